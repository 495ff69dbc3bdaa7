#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "agent/core/error.h"
#include "agent/net/curl_handles.h"
#include "agent/net/http_client.h"

namespace vigil::net {

// One request's libcurl easy handle plus everything libcurl reads from or writes into while the
// transfer runs (body, header list, error buffer, the response being collected). libcurl keeps
// pointers into it, so it stays at one address: create() hands it out on the heap.
class CurlTransfer {
  struct Key {
    explicit Key() = default;
  };

 public:
  // Configures an easy handle for `request`. `request.body` is sent as it is (already
  // compressed); `request.compression` only names it in Content-Encoding. Fails on requests
  // libcurl would reject or that would put the wire format at risk (CR/LF in a header).
  static core::Result<std::unique_ptr<CurlTransfer>> create(const CurlLibrary& curl,
                                                            HttpClientRequest request,
                                                            std::string_view user_agent);

  CurlTransfer(Key /*only create() makes one*/, const CurlLibrary& curl)
      : curl_(&curl),
        header_list_(nullptr, CurlSlistFree{&curl}),
        easy_(nullptr, CurlEasyCleanup{&curl}) {}
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  CURL* easy() const { return easy_.get(); }

  // The response once libcurl reported the transfer finished with `result`.
  HttpClientResponse finish(CURLcode result);

 private:
  core::Result<void> configure(const HttpClientRequest& request, std::string_view user_agent);
  core::Result<void> build_header_list(const HttpClientRequest& request);

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  void add_header_line(std::string_view line);

  const CurlLibrary* curl_;
  // Declared before easy_, so they outlive it: libcurl reads them until curl_easy_cleanup.
  CurlSlistPtr header_list_;
  std::string body_;
  std::array<char, CURL_ERROR_SIZE> error_buffer_{};
  std::size_t max_response_bytes_ = 0;
  bool body_too_large_ = false;
  HttpHeaders headers_;
  std::string response_body_;
  CurlEasyPtr easy_;
};

}  // namespace vigil::net
