#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <uv.h>

#include "agent/core/clock.h"
#include "agent/core/error.h"
#include "agent/net/http_types.h"
#include "agent/net/socket_address.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::net {

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: "/v1/traces?x=1"
  std::string path;     // "/v1/traces"
  std::string query;    // "x=1"
  HttpHeaders headers;  // names lower-cased
  std::string body;     // de-chunked; Content-Encoding is left to the handler
  std::string remote;   // "127.0.0.1:53211"
  bool keep_alive = true;

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpResponse {
  int status = 200;
  // Content-Length, Date and Connection are the server's (a handler's are dropped), as is
  // Transfer-Encoding; 204 and 304 carry neither body nor Content-Length.
  HttpHeaders headers;
  std::string body;
};

class HttpConnection;

// Answers one request. Move-only. May be kept and called later (asynchronous handlers, e.g. the
// OTLP receiver answering once a batch is safe); sending after the client went away is a no-op.
// A responder destroyed without sending answers 500, so a request never hangs.
class HttpResponder {
 public:
  HttpResponder() = default;
  explicit HttpResponder(std::weak_ptr<HttpConnection> connection);
  HttpResponder(HttpResponder&&) noexcept = default;
  HttpResponder& operator=(HttpResponder&&) noexcept;
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;
  ~HttpResponder();

  void send(HttpResponse response);
  // False once the client disconnected (nothing to answer).
  bool connected() const;

 private:
  // The 500 of a responder dropped unsent.
  void answer_unsent() noexcept;

  std::weak_ptr<HttpConnection> connection_;
  bool sent_ = false;
};

using HttpHandler = std::function<void(HttpRequest&& request, HttpResponder responder)>;

// A zero timeout means no limit.
struct HttpServerOptions {
  std::string listen = "127.0.0.1:0";
  // Request line + headers; above: 431. http-parser caps heads at 80 KiB regardless.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 20 * 1024 * 1024;  // above: 413 (Content-Length checked first)
  core::Duration header_timeout = std::chrono::seconds(10);  // whole head must arrive: else 408
  core::Duration body_timeout = std::chrono::seconds(30);    // whole body must arrive: else 408
  core::Duration idle_timeout = std::chrono::seconds(60);    // keep-alive idle: close
  std::size_t max_connections = 1024;                        // beyond: accept and close at once
  std::string name = "http";                                 // component id for logs
  const core::Clock* clock = nullptr;  // wall clock of the Date header; null: the system clock
  // Shapes the answers the server gives by itself (400, 408, 413, 417, 431, 501, 505): called
  // with the request as parsed so far (method, path and headers are set once the head was
  // read) and the default text/plain answer, which it may change (a protocol's error body in
  // the request's encoding, say). The connection closes after it whatever the hook does.
  std::function<void(const HttpRequest& partial, HttpResponse& answer)> error_response = nullptr;
};

// HTTP/1.1 server on libuv with http-parser (DESIGN.md section 2). Keep-alive; pipelined
// requests are answered in order (the next one is parsed once the previous one was answered);
// malformed requests get 400 and the connection is closed. Nothing a client sends can crash it.
// A client's EOF while its request waits for the handler means it is gone (as in Node.js and
// Go): its responder becomes a no-op. The process must ignore SIGPIPE (vigil's main does):
// libuv writes with write(2). Loop thread only.
class HttpServer {
 public:
  HttpServer(uv_loop_t* loop, HttpServerOptions options, HttpHandler handler,
             telemetry::Logger& logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. The error names the address and the reason ("address already in use").
  core::Result<void> listen();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Stops accepting and closes every connection (pending responders become no-ops).
  void close();

  std::size_t open_connections() const;
  std::uint64_t accepted_connections() const;
  // Connections closed at once because max_connections were open.
  std::uint64_t rejected_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
