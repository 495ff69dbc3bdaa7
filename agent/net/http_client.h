#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "agent/net/http_types.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::net {

struct TlsOptions {
  std::string ca_file;    // PEM bundle; empty = system default
  std::string cert_file;  // client certificate (mTLS)
  std::string key_file;
  bool insecure_skip_verify = false;
};

struct HttpClientRequest {
  std::string method = "POST";
  std::string url;
  HttpHeaders headers;
  std::string body;
  // The client compresses the body and sets Content-Encoding (bodies of 64 KiB and more on
  // libuv's thread pool, so the loop never stalls on them).
  Codec compression = Codec::kNone;
  core::Duration timeout = std::chrono::seconds(30);  // whole request
  core::Duration connect_timeout = std::chrono::seconds(10);
  TlsOptions tls;
  // HTTP/2: 0 = HTTP/1.1 (default), 1 = HTTP/2 over TLS when offered (ALPN),
  // 2 = HTTP/2 with prior knowledge (h2c, for gRPC).
  int http2 = 0;
  // A longer response body fails the request (status 0): backends answer exporters briefly, and
  // a misbehaving one must not make the agent buffer without bound.
  std::size_t max_response_bytes = 16 * 1024 * 1024;
};

struct HttpClientResponse {
  int status = 0;       // 0 = no HTTP response (see error)
  HttpHeaders headers;  // names lower-cased; for HTTP/2 trailers are appended too
  std::string body;
  std::string error;  // transport error (libcurl's message) when status == 0
  bool timed_out = false;
  // True when this request went over a connection opened for an earlier one.
  bool reused_connection = false;
};

// Outbound HTTP on libcurl's multi interface driven by the loop (curl_multi_socket_action with
// uv_poll_t and uv_timer_t): connections are reused, proxies come from the environment as libcurl
// reads them (http_proxy, https_proxy, no_proxy). Loop thread only. Destroying the client
// completes outstanding requests with "cancelled" from the destructor; the loop must run once
// more afterwards to free the socket watchers' memory (see UvHandle).
class HttpClient {
 public:
  HttpClient(uv_loop_t* loop, telemetry::Logger& logger);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `done` runs exactly once on the loop thread (also for errors), unless the client is
  // destroyed or cancel_all() is called first, in which case it runs with error "cancelled".
  // It never runs inside send(), except while the client is being destroyed: then send()
  // completes at once with "cancelled". A `done` may send, cancel_all() or destroy the client.
  // Zero timeouts mean none. A Content-Length, Expect or (when compressing) Content-Encoding
  // header of the caller is replaced by the client's own.
  void send(HttpClientRequest request, std::function<void(HttpClientResponse)> done);

  // Requests sent and not yet completed (also those still being compressed).
  std::size_t in_flight() const;
  // Completes every outstanding request with error "cancelled" (after detaching it from libcurl,
  // so the callbacks may send again).
  void cancel_all();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
