#pragma once

#include <memory>

#include <curl/curl.h>

#include "agent/net/curl_library.h"

namespace vigil::net {

// Deleters that call back into the loaded libcurl (agent/net/curl_library.h).
struct CurlEasyCleanup {
  const CurlLibrary* curl = nullptr;
  void operator()(CURL* easy) const { curl->easy_cleanup(easy); }
};
struct CurlMultiCleanup {
  const CurlLibrary* curl = nullptr;
  void operator()(CURLM* multi) const { curl->multi_cleanup(multi); }
};
struct CurlSlistFree {
  const CurlLibrary* curl = nullptr;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};

using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyCleanup>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiCleanup>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistFree>;

}  // namespace vigil::net
