#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <uv.h>

#include "agent/core/error.h"
#include "agent/core/signal.h"
#include "agent/net/grpc_server.h"
#include "collectors/otlp/bearer_auth.h"
#include "collectors/otlp/request_processor.h"

namespace vigil::telemetry {
class Counter;
class Logger;
class MetricsRegistry;
}  // namespace vigil::telemetry

namespace vigil::collectors::otlp {

struct GrpcReceiverOptions {
  std::string component;  // collector id
  std::string listen;
  std::size_t max_message_bytes = 20 * 1024 * 1024;  // decompressed; above: RESOURCE_EXHAUSTED
  core::Duration retry_after = std::chrono::seconds(1);
  core::SignalSet signals = core::SignalSet::all();
};

// OTLP/gRPC (PROTOCOLS.md section 2) on net::GrpcServer: maps the three Export methods to
// signals, checks the `authorization` metadata, and hands the message to the same
// RequestProcessor as OTLP/HTTP. Loop thread only.
class GrpcReceiver {
 public:
  GrpcReceiver(uv_loop_t* loop, GrpcReceiverOptions options, const BearerAuth& auth,
               RequestProcessor& processor, telemetry::MetricsRegistry& metrics,
               telemetry::Logger& logger);
  GrpcReceiver(const GrpcReceiver&) = delete;
  GrpcReceiver& operator=(const GrpcReceiver&) = delete;

  core::Result<void> listen();
  std::uint16_t port() const { return server_.port(); }
  void close() { server_.close(); }

 private:
  void handle(net::GrpcRequest&& request, net::GrpcResponder responder);
  void answer(net::GrpcResponder& responder, net::GrpcResponse response);
  // UNAVAILABLE with a google.rpc.RetryInfo of retry_after in grpc-status-details-bin.
  net::GrpcResponse unavailable(std::string message) const;

  GrpcReceiverOptions options_;
  const BearerAuth& auth_;
  RequestProcessor& processor_;
  telemetry::MetricsRegistry& metrics_;
  std::map<int, telemetry::Counter*> requests_by_code_;
  // Shared with calls still waiting for their acknowledgement.
  std::shared_ptr<GrpcReceiver*> self_ = std::make_shared<GrpcReceiver*>(this);
  net::GrpcServer server_;
};

}  // namespace vigil::collectors::otlp
