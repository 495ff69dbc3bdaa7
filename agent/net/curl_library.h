#pragma once

#include <memory>

#include <curl/curl.h>
#include <curl/options.h>

#include "agent/core/error.h"

namespace vigil::net {

// libcurl's entry points, resolved from libcurl.so.4 when an HTTP client first needs them.
// Linking libcurl would map it and its dependencies (libssl, GnuTLS, Kerberos, LDAP, libssh2,
// ...) into every vigil process at start, about 6.5 MiB of resident memory, although many
// configurations (host metrics served to a Prometheus that scrapes them) never send a request.
//
// Each instance holds one reference to the loaded library (opened RTLD_NODELETE: libcurl and
// OpenSSL register exit handlers, so the code is never unmapped) and one to libcurl's global
// state, which libcurl counts itself and, from 7.84 on (CURL_VERSION_THREADSAFE), initialises
// thread-safely.
class CurlLibrary {
 public:
  // Opens libcurl.so.4, resolves every function below and runs curl_global_init. The error names
  // what failed (the library missing, a symbol, or the initialisation).
  static core::Result<std::shared_ptr<const CurlLibrary>> load();

  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;

  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_easy_option_by_id) easy_option_by_id = nullptr;
  decltype(&::curl_multi_init) multi_init = nullptr;
  decltype(&::curl_multi_cleanup) multi_cleanup = nullptr;
  decltype(&::curl_multi_setopt) multi_setopt = nullptr;
  decltype(&::curl_multi_add_handle) multi_add_handle = nullptr;
  decltype(&::curl_multi_remove_handle) multi_remove_handle = nullptr;
  decltype(&::curl_multi_socket_action) multi_socket_action = nullptr;
  decltype(&::curl_multi_info_read) multi_info_read = nullptr;
  decltype(&::curl_multi_assign) multi_assign = nullptr;
  decltype(&::curl_multi_strerror) multi_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  // The loaded library's version, as curl_version_info gives it (0x075801 is 7.88.1): some
  // releases need working around.
  unsigned int version_num = 0;

 private:
  CurlLibrary() = default;

  void* handle_ = nullptr;
  decltype(&::curl_global_init) global_init_ = nullptr;
  decltype(&::curl_global_cleanup) global_cleanup_ = nullptr;
  bool initialised_ = false;
};

}  // namespace vigil::net
