#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <uv.h>

#include "agent/core/error.h"
#include "agent/core/signal.h"
#include "agent/net/http_server.h"
#include "collectors/otlp/bearer_auth.h"
#include "collectors/otlp/request_processor.h"

namespace vigil::telemetry {
class Counter;
class Logger;
class MetricsRegistry;
}  // namespace vigil::telemetry

namespace vigil::collectors::otlp {

struct HttpReceiverOptions {
  std::string component;  // collector id
  std::string listen;
  std::size_t max_request_size = 20 * 1024 * 1024;  // decompressed (and compressed) body
  core::Duration retry_after = std::chrono::seconds(1);
  core::SignalSet signals = core::SignalSet::all();
};

// OTLP/HTTP (PROTOCOLS.md section 1) on net::HttpServer: checks path, method, authentication,
// Content-Type and Content-Encoding, decompresses within max_request_size, and hands the body
// to the RequestProcessor; answers with the status codes of README.md. Loop thread only.
class HttpReceiver {
 public:
  HttpReceiver(uv_loop_t* loop, HttpReceiverOptions options, const BearerAuth& auth,
               RequestProcessor& processor, telemetry::MetricsRegistry& metrics,
               telemetry::Logger& logger);
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  core::Result<void> listen();
  std::uint16_t port() const { return server_.port(); }
  void close() { server_.close(); }

 private:
  void handle(net::HttpRequest&& request, net::HttpResponder responder);
  // A failure: google.rpc.Status in the request's encoding when known, plain text otherwise.
  void fail(net::HttpResponder& responder, int status, std::optional<Encoding> encoding,
            int grpc_code, std::string_view message, net::HttpHeaders headers = {});
  void answer(net::HttpResponder& responder, net::HttpResponse response);
  // Gives the HTTP server's own error answers an OTLP body (see the server's error_response).
  void shape_server_error(const net::HttpRequest& partial, net::HttpResponse& answer);
  void count_status(int status);
  std::string retry_after_seconds() const;

  HttpReceiverOptions options_;
  const BearerAuth& auth_;
  RequestProcessor& processor_;
  telemetry::MetricsRegistry& metrics_;
  std::map<int, telemetry::Counter*> requests_by_status_;
  // Shared with responses still waiting for their acknowledgement.
  std::shared_ptr<HttpReceiver*> self_ = std::make_shared<HttpReceiver*>(this);
  net::HttpServer server_;
};

}  // namespace vigil::collectors::otlp
