#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <http_parser.h>
#include <uv.h>

#include "agent/core/error.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_handle.h"
#include "agent/net/uv_timer.h"

namespace vigil::net {

// What a connection needs from the server that accepted it. The server closes every connection
// before it goes away, and a closed connection never calls its owner again.
class HttpConnectionOwner {
 public:
  virtual ~HttpConnectionOwner() = default;
  virtual const HttpServerOptions& options() const = 0;
  virtual telemetry::Logger& logger() = 0;
  // One buffer for every connection's reads: the loop reads one socket at a time and the
  // connection copies what it cannot parse at once, so idle connections hold no read memory.
  virtual uv_buf_t read_buffer() = 0;
  // The Date header's value for now.
  virtual std::string_view http_date() = 0;
  // Hands a complete request to the handler (which must not let exceptions out).
  virtual void dispatch(HttpRequest&& request, HttpResponder responder) = 0;
  // The connection closed; the owner drops its reference.
  virtual void connection_closed(HttpConnection* connection) = 0;
};

// One accepted HTTP/1.1 connection: parses requests with http-parser, one at a time (a pipelined
// request is parsed once the one before it was answered, so answers keep their order), enforces
// the size and time limits, writes responses. Owned by the server's connection set through a
// shared_ptr; responders hold weak_ptrs, so answering a closed connection is a no-op.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(uv_loop_t* loop, HttpConnectionOwner& owner);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Takes the accepted socket and starts reading. The caller holds a reference (and the owner
  // has registered this connection: a failure closes it at once).
  void start(UvHandle<uv_tcp_t> tcp);
  // The answer to the request in flight (HttpResponder::send). Ignored when none is in flight.
  void respond(HttpResponse response);
  // True while a request waits for its answer and the client is still there.
  bool awaiting_response() const { return phase_ == Phase::kAwaitingResponse; }
  // Closes the socket now; pending writes are dropped and responders become no-ops.
  void close();

 private:
  enum class Phase {
    kIdle,              // between requests (idle_timeout)
    kHead,              // request line and headers arriving (header_timeout)
    kBody,              // body arriving (body_timeout)
    kAwaitingResponse,  // complete request handed to the handler; parser paused
    kClosing,           // last response queued; half-closed, discarding input until EOF
    kClosed,
  };
  enum class Pause { kNone, kHeadersComplete, kMessageComplete };

  static const http_parser_settings& parser_settings();
  static int on_message_begin(http_parser* parser);
  static int on_url(http_parser* parser, const char* at, std::size_t length);
  static int on_header_field(http_parser* parser, const char* at, std::size_t length);
  static int on_header_value(http_parser* parser, const char* at, std::size_t length);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, std::size_t length);
  static int on_message_complete(http_parser* parser);

  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* request, int status);
  static void on_shutdown(uv_shutdown_t* request, int status);

  void read(ssize_t nread, const uv_buf_t* buf);
  void intake(const char* data, std::size_t size);
  void process_pending();
  std::size_t parse(const char* data, std::size_t size);
  void headers_complete();
  void message_complete();
  // Stores a limit violation from inside a parser callback; parse() answers it.
  int fail_in_callback(int status, std::string reason);
  void reject(int status, std::string_view reason);
  void write_response(HttpResponse response, bool close_after);
  bool write(std::string head, std::string body);
  void begin_close();
  std::size_t write_queue_bytes() const;
  void update_reading();
  bool start_reading();
  void stop_reading();
  void start_timer(core::Duration delay, void (HttpConnection::*on_expiry)());
  void on_header_timeout();
  void on_body_timeout();
  void on_idle_timeout();
  bool closing() const { return phase_ == Phase::kClosing || phase_ == Phase::kClosed; }

  HttpConnectionOwner* owner_;  // null once closed
  UvHandle<uv_tcp_t> tcp_;
  UvTimer timer_;  // the one deadline of the current phase
  http_parser parser_{};
  Phase phase_ = Phase::kIdle;
  Pause pause_ = Pause::kNone;
  bool processing_ = false;  // inside parse(): respond() must not re-enter it
  bool reading_ = false;
  bool shutdown_done_ = false;         // the last response was flushed and FIN sent
  bool peer_closed_ = false;           // the client sent EOF; close once the answers are out
  bool write_blocked_ = false;         // parsing waits for queued answers to drain
  std::string pending_;                // received, not yet parsed (pipelined requests)
  std::size_t head_bytes_ = 0;         // consumed bytes of the current request's head
  std::size_t stored_head_bytes_ = 0;  // URL and header bytes kept (bounds memory mid-parse)
  bool last_was_value_ = false;
  HttpRequest request_;
  bool head_request_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  int failed_status_ = 0;
  std::string failed_reason_;
  std::string remote_ = "unknown";
};

}  // namespace vigil::net
