#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nghttp2/nghttp2.h>
#include <uv.h>

#include "agent/net/grpc_framing.h"
#include "agent/net/grpc_server.h"
#include "agent/net/uv_handle.h"
#include "agent/net/uv_timer.h"

namespace vigil::net {

// What a connection needs from the server that accepted it. The server closes (or detaches)
// every connection before it goes away, and a detached connection never calls its owner again.
class GrpcConnectionOwner {
 public:
  virtual ~GrpcConnectionOwner() = default;
  virtual const GrpcServerOptions& options() const = 0;
  virtual telemetry::Logger& logger() = 0;
  // One buffer for every connection's reads: nghttp2 consumes all it is given at once.
  virtual uv_buf_t read_buffer() = 0;
  // Hands a complete call to the handler (which must not let exceptions out).
  virtual void dispatch(GrpcRequest&& request, GrpcResponder responder) = 0;
  // The connection closed (or was detached); the owner drops its reference.
  virtual void connection_closed(GrpcConnection* connection) = 0;
};

// One accepted h2c connection: an nghttp2 server session fed from uv_read and written with
// uv_write, one GrpcStream per call. Owned by the server's connection set through a shared_ptr;
// responders hold weak_ptrs plus the stream id (never reused on a connection), so answering a
// reset stream or a closed connection is a no-op.
class GrpcConnection : public std::enable_shared_from_this<GrpcConnection> {
 public:
  GrpcConnection(uv_loop_t* loop, GrpcConnectionOwner& owner);
  ~GrpcConnection();
  GrpcConnection(const GrpcConnection&) = delete;
  GrpcConnection& operator=(const GrpcConnection&) = delete;

  // Takes the accepted socket, queues the server SETTINGS and starts reading. The caller holds
  // a reference (and the owner has registered this connection: a failure closes it at once).
  void start(UvHandle<uv_tcp_t> tcp);
  // The answer to the call on `stream_id` (GrpcResponder::send). Ignored unless that call waits
  // for its answer.
  void respond(std::int32_t stream_id, GrpcResponse response);
  bool awaiting_response(std::int32_t stream_id) const;
  // The server closes: GOAWAY, flush, close; the owner is forgotten at once.
  void shut_down();
  // Closes the socket now; pending writes are dropped and responders become no-ops.
  void close();

 private:
  // SETTINGS_MAX_HEADER_LIST_SIZE; a call with more metadata gets RESOURCE_EXHAUSTED (grpc's
  // own default is 8 KiB: OTLP exporters send far less).
  static constexpr std::uint32_t kMaxHeaderListBytes = 64 * 1024;

  enum class Phase : std::uint8_t {
    kHandshake,  // waiting for the client preface and SETTINGS (handshake_timeout)
    kOpen,       // serving calls (idle_timeout)
    kClosing,    // GOAWAY queued: flushing, then FIN, then close
    kClosed,
  };
  // One call. Lives from its HEADERS until nghttp2 closes the stream (answered, or reset).
  struct Stream {
    enum class Phase : std::uint8_t {
      kReceiving,         // HEADERS and DATA arriving
      kDecompressing,     // the message is being inflated on the thread pool
      kAwaitingResponse,  // handed to the handler
      kAnswered,          // response submitted (or the call rejected); input is discarded
    };
    Stream(std::int32_t stream_id, std::size_t max_message_bytes)
        : id(stream_id), reader(max_message_bytes) {}

    std::int32_t id;
    Phase phase = Phase::kReceiving;
    std::string method;
    std::string path;
    std::string content_type;
    std::string encoding;  // grpc-encoding as sent
    HttpHeaders metadata;
    std::size_t metadata_bytes = 0;
    bool metadata_too_large = false;
    GrpcMessageReader reader;
    std::size_t buffered = 0;  // this stream's share of the connection's buffered_
    // The response message (prefixed) and its trailers, read by nghttp2's data provider.
    std::string out;
    std::size_t out_offset = 0;
    HttpHeaders trailers;
    bool reset_after_answer = false;  // answered before END_STREAM: RST_STREAM once sent
  };
  struct SessionDeleter {
    void operator()(nghttp2_session* session) const { nghttp2_session_del(session); }
  };

  // nghttp2 callbacks (C: no exception may leave them).
  static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* self);
  static int on_header(nghttp2_session* session, const nghttp2_frame* frame,
                       const std::uint8_t* name, std::size_t name_length, const std::uint8_t* value,
                       std::size_t value_length, std::uint8_t flags, void* self);
  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* self);
  static int on_data_chunk_recv(nghttp2_session* session, std::uint8_t flags,
                                std::int32_t stream_id, const std::uint8_t* data,
                                std::size_t length, void* self);
  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* self);
  static int on_stream_close(nghttp2_session* session, std::int32_t stream_id,
                             std::uint32_t error_code, void* self);
  static ssize_t read_response_data(nghttp2_session* session, std::int32_t stream_id,
                                    std::uint8_t* buf, std::size_t length,
                                    std::uint32_t* data_flags, nghttp2_data_source* source,
                                    void* self);
  // libuv callbacks.
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* request, int status);
  static void on_shutdown(uv_shutdown_t* request, int status);

  bool create_session();
  void read(ssize_t nread, const uv_buf_t* buf);
  Stream* find(std::int32_t stream_id) const;
  void begin_stream(std::int32_t stream_id);
  void add_header(Stream& stream, std::string_view name, std::string_view value);
  void headers_complete(Stream& stream);
  void receive_data(Stream& stream, std::string_view data);
  void end_of_request(Stream& stream);
  void decompressed(std::int32_t stream_id, core::Result<std::string> message);
  void dispatch(Stream& stream, std::string message);
  // Sheds the newest partly received calls while this connection holds more than its cap.
  void shed_load();
  void release_buffer(Stream& stream);
  // Answers without calling the handler (validation errors, limits): Trailers-Only.
  void fail(Stream& stream, int code, std::string_view message,
            std::string_view accept_encoding = {});
  // Answers a request that is not gRPC at all with a bare HTTP status.
  void fail_http(Stream& stream, int status);
  void submit(Stream& stream, GrpcResponse response, std::string_view accept_encoding = {});
  void stop_receiving(Stream& stream);

  // Hands nghttp2's pending frames to libuv (outside nghttp2 callbacks only).
  void flush();
  bool write(std::string bytes);
  // Queues GOAWAY and closes once it is out; inside nghttp2 callbacks only marks it, for read()
  // (nghttp2 must not send from its own callbacks).
  void go_away(std::uint32_t error_code);
  void finish_go_away();
  void begin_close();
  void after_io();
  std::size_t write_queue_bytes() const;
  void update_reading();
  bool start_reading();
  void stop_reading();
  void start_timer(core::Duration delay, void (GrpcConnection::*on_expiry)());
  void on_handshake_timeout();
  void on_idle_timeout();
  bool closing() const {
    return go_away_pending_ || phase_ == Phase::kClosing || phase_ == Phase::kClosed;
  }
  // Closed, or the server went away: nothing may reach the owner or the handler any more.
  bool detached() const { return owner_ == nullptr; }

  uv_loop_t* loop_;
  GrpcConnectionOwner* owner_;  // null once closed or detached
  std::size_t buffer_cap_;      // bytes of partly received messages this connection may hold
  UvHandle<uv_tcp_t> tcp_;
  UvTimer timer_;  // the one deadline of the current phase
  Phase phase_ = Phase::kHandshake;
  bool processing_ = false;  // inside nghttp2_session_mem_recv: callbacks must not flush
  bool reading_ = false;
  bool write_blocked_ = false;  // libuv holds too much unsent: flush and reads wait for on_write
  bool peer_closed_ = false;
  bool go_away_pending_ = false;  // go_away() ran inside nghttp2_session_mem_recv
  std::size_t buffered_ = 0;      // message bytes held by streams still receiving
  std::string remote_ = "unknown";
  std::string drain_buffer_;              // reads after the server went away (shut_down)
  std::shared_ptr<GrpcConnection> self_;  // set by shut_down() until close()
  // Declared before session_: the session is deleted first (it never calls back while dying).
  std::unordered_map<std::int32_t, std::unique_ptr<Stream>> streams_;
  std::unique_ptr<nghttp2_session, SessionDeleter> session_;
};

}  // namespace vigil::net
