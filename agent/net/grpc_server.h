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
#include "agent/net/grpc_framing.h"
#include "agent/net/http_types.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::net {

struct GrpcRequest {
  std::string path;      // ":path", "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
  HttpHeaders metadata;  // lower-case names, pseudo-headers excluded ("-bin" values as sent)
  std::string message;   // the one request message, already decompressed
  std::string remote;    // "127.0.0.1:53211"

  std::string_view header(std::string_view name) const { return find_header(metadata, name); }
};

struct GrpcResponse {
  int code = kGrpcOk;          // grpc-status; codes outside 0..16 are sent as UNKNOWN
  std::string message;         // grpc-message, plain text (the server percent-encodes it)
  std::string body;            // the serialized response message, sent when code == 0
  std::string status_details;  // serialized google.rpc.Status: grpc-status-details-bin
  // Extra trailing metadata (lower-cased; invalid names and the server's own are dropped).
  HttpHeaders trailers;
};

class GrpcConnection;

// Answers one call. Move-only. May be kept and called later (the OTLP receiver answers once a
// batch is safe); sending after the client reset the stream or went away is a no-op. A
// responder destroyed unsent answers INTERNAL "no response", so a call never hangs.
class GrpcResponder {
 public:
  GrpcResponder() = default;
  GrpcResponder(std::weak_ptr<GrpcConnection> connection, std::int32_t stream_id);
  GrpcResponder(GrpcResponder&&) noexcept = default;
  GrpcResponder& operator=(GrpcResponder&&) noexcept;
  GrpcResponder(const GrpcResponder&) = delete;
  GrpcResponder& operator=(const GrpcResponder&) = delete;
  ~GrpcResponder();

  void send(GrpcResponse response);
  // False once the call was cancelled (RST_STREAM, connection closed) or answered.
  bool connected() const;

 private:
  void answer_unsent() noexcept;

  std::weak_ptr<GrpcConnection> connection_;
  std::int32_t stream_id_ = 0;
  bool sent_ = false;
};

using GrpcHandler = std::function<void(GrpcRequest&& request, GrpcResponder responder)>;

// A zero timeout means no limit.
struct GrpcServerOptions {
  std::string listen = "127.0.0.1:0";
  // Above (by the length prefix, before buffering, and again after decompression):
  // RESOURCE_EXHAUSTED.
  std::size_t max_message_bytes = 4 * 1024 * 1024;
  std::uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  // Bytes of partly received messages one connection may hold; above, its newest unfinished
  // calls are answered UNAVAILABLE (retryable) and dropped. Never below one whole message.
  std::size_t max_buffered_bytes = 16 * 1024 * 1024;
  // No request in progress and nothing received for this long: GOAWAY and close.
  core::Duration idle_timeout = std::chrono::minutes(5);
  // The client preface and its SETTINGS must arrive within this: else close.
  core::Duration handshake_timeout = std::chrono::seconds(10);
  std::size_t max_connections = 1024;  // beyond: accept and close at once
  std::string name = "grpc";           // component id for logs
};

// gRPC unary server over cleartext HTTP/2 with prior knowledge (h2c), on libuv with nghttp2
// (DESIGN.md section 2). Many concurrent calls per connection, answered in any order; flow
// control is nghttp2's, with a cap on what one connection may have buffered. Calls that cannot
// be served are answered Trailers-Only (or 405/415 for non-gRPC requests); protocol errors close
// the connection with GOAWAY. Nothing a client sends can crash it. The process must ignore
// SIGPIPE (vigil's main does). Loop thread only.
class GrpcServer {
 public:
  GrpcServer(uv_loop_t* loop, GrpcServerOptions options, GrpcHandler handler,
             telemetry::Logger& logger);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds and listens. The error names the address and the reason ("address already in use").
  core::Result<void> listen();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // Stops accepting; every connection gets GOAWAY and is closed (pending responders become
  // no-ops).
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
