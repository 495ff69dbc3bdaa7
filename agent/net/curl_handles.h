#pragma once

#include <memory>
#include <string>

#include <curl/curl.h>

namespace vigil::net {

struct CurlEasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct CurlMultiCleanup {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlSlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyCleanup>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiCleanup>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistFree>;

// One reference to libcurl's global state. libcurl counts the references itself and, from 7.84
// on (CURL_VERSION_THREADSAFE), initialises thread-safely, so each client may hold its own.
class CurlGlobal {
 public:
  CurlGlobal() : code_(curl_global_init(CURL_GLOBAL_DEFAULT)) {}
  ~CurlGlobal() {
    if (code_ == CURLE_OK) curl_global_cleanup();
  }
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;

  bool ok() const { return code_ == CURLE_OK; }
  std::string error() const { return curl_easy_strerror(code_); }

 private:
  CURLcode code_;
};

}  // namespace vigil::net
