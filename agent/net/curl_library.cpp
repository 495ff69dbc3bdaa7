#include "agent/net/curl_library.h"

#include <dlfcn.h>

#include <string>

#include <fmt/format.h>

#include "agent/net/shared_library.h"

namespace vigil::net {

namespace {

// The soname of Debian's libcurl4 (the OpenSSL flavour that libcurl4-openssl-dev builds
// against); the headers we compile with describe this ABI.
constexpr const char* kLibraryName = "libcurl.so.4";

}  // namespace

core::Result<std::shared_ptr<const CurlLibrary>> CurlLibrary::load() {
  std::shared_ptr<CurlLibrary> lib(new CurlLibrary());  // private constructor: no make_shared
  lib->handle_ = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (lib->handle_ == nullptr) {
    const char* why = dlerror();
    return core::make_error(fmt::format("cannot load {} (Debian package libcurl4): {}",
                                        kLibraryName, why != nullptr ? why : "unknown error"));
  }
  std::string missing;
  void* h = lib->handle_;
  resolve_symbol(h, "curl_global_init", lib->global_init_, missing);
  resolve_symbol(h, "curl_global_cleanup", lib->global_cleanup_, missing);
  resolve_symbol(h, "curl_easy_init", lib->easy_init, missing);
  resolve_symbol(h, "curl_easy_cleanup", lib->easy_cleanup, missing);
  resolve_symbol(h, "curl_easy_setopt", lib->easy_setopt, missing);
  resolve_symbol(h, "curl_easy_getinfo", lib->easy_getinfo, missing);
  resolve_symbol(h, "curl_easy_strerror", lib->easy_strerror, missing);
  resolve_symbol(h, "curl_easy_option_by_id", lib->easy_option_by_id, missing);
  resolve_symbol(h, "curl_multi_init", lib->multi_init, missing);
  resolve_symbol(h, "curl_multi_cleanup", lib->multi_cleanup, missing);
  resolve_symbol(h, "curl_multi_setopt", lib->multi_setopt, missing);
  resolve_symbol(h, "curl_multi_add_handle", lib->multi_add_handle, missing);
  resolve_symbol(h, "curl_multi_remove_handle", lib->multi_remove_handle, missing);
  resolve_symbol(h, "curl_multi_socket_action", lib->multi_socket_action, missing);
  resolve_symbol(h, "curl_multi_info_read", lib->multi_info_read, missing);
  resolve_symbol(h, "curl_multi_assign", lib->multi_assign, missing);
  resolve_symbol(h, "curl_multi_strerror", lib->multi_strerror, missing);
  resolve_symbol(h, "curl_slist_append", lib->slist_append, missing);
  resolve_symbol(h, "curl_slist_free_all", lib->slist_free_all, missing);
  decltype(&::curl_version_info) version_info = nullptr;
  resolve_symbol(h, "curl_version_info", version_info, missing);
  if (!missing.empty()) {
    return core::make_error(
        fmt::format("{} lacks functions vigil needs (too old?): {}", kLibraryName, missing));
  }
  if (const curl_version_info_data* info = version_info(CURLVERSION_NOW); info != nullptr) {
    lib->version_num = info->version_num;
  }
  CURLcode rc = lib->global_init_(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    return core::make_error(
        fmt::format("libcurl failed to initialise: {}", lib->easy_strerror(rc)));
  }
  lib->initialised_ = true;
  return std::shared_ptr<const CurlLibrary>(std::move(lib));
}

CurlLibrary::~CurlLibrary() {
  if (initialised_) global_cleanup_();
  // RTLD_NODELETE keeps the code mapped; this only drops our reference.
  if (handle_ != nullptr) dlclose(handle_);
}

}  // namespace vigil::net
