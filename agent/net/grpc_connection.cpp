// GrpcConnection: the socket side (reads, writes, timers, closing) and the nghttp2 session's
// life. The calls themselves are in grpc_connection_streams.cpp.
#include <algorithm>
#include <climits>
#include <utility>

#include "agent/net/grpc_connection.h"
#include "agent/net/socket_address.h"
#include "agent/telemetry/logger.h"

namespace vigil::net {

namespace {

// Frames queued in libuv beyond what the socket took; above, nothing more is read nor produced
// until the client reads (a client that sends PINGs or calls without reading answers must not
// grow the queue).
constexpr std::size_t kMaxQueuedWriteBytes = 1024 * 1024;
// Per-stream and connection receive windows: large enough that a 4 MiB message flows without
// waiting on round trips, small enough that memory is bounded by the buffer cap below.
constexpr std::int32_t kStreamWindowBytes = 1024 * 1024;
constexpr std::int32_t kConnectionWindowBytes = 8 * 1024 * 1024;
// After GOAWAY and FIN: how long to wait for the client's EOF before closing (closing with
// unread input resets the connection, which can destroy the GOAWAY before the client read it).
constexpr core::Duration kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kMaxOutboundAcks = 1000;
constexpr std::size_t kDrainBufferBytes = 4096;
constexpr std::uint64_t kResetBurst = 1000;
constexpr std::uint64_t kResetsPerSecond = 33;

struct WriteRequest {
  uv_write_t request{};
  std::string bytes;
  std::weak_ptr<GrpcConnection> connection;
};

struct ShutdownRequest {
  uv_shutdown_t request{};
  std::weak_ptr<GrpcConnection> connection;
};

struct CallbacksDeleter {
  void operator()(nghttp2_session_callbacks* callbacks) const {
    nghttp2_session_callbacks_del(callbacks);
  }
};
struct OptionDeleter {
  void operator()(nghttp2_option* option) const { nghttp2_option_del(option); }
};

}  // namespace

GrpcConnection::GrpcConnection(uv_loop_t* loop, GrpcConnectionOwner& owner)
    : loop_(loop),
      owner_(&owner),
      // A client that opens many streams and trickles into all of them is shed (UNAVAILABLE)
      // instead of buffered; one whole message always fits.
      buffer_cap_(std::max(owner.options().max_buffered_bytes,
                           owner.options().max_message_bytes + kGrpcPrefixBytes)),
      timer_(loop) {}

GrpcConnection::~GrpcConnection() = default;

bool GrpcConnection::create_session() {
  nghttp2_session_callbacks* raw_callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&raw_callbacks) != 0) return false;
  std::unique_ptr<nghttp2_session_callbacks, CallbacksDeleter> callbacks(raw_callbacks);
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks.get(), &on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks.get(), &on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks.get(), &on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks.get(), &on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks.get(), &on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks.get(), &on_frame_send);

  nghttp2_option* raw_option = nullptr;
  if (nghttp2_option_new(&raw_option) != 0) return false;
  std::unique_ptr<nghttp2_option, OptionDeleter> option(raw_option);
  // A client that floods PINGs or SETTINGS without reading the ACKs fails the session (stated
  // here, not left to the library default: it bounds what one connection can queue).
  nghttp2_option_set_max_outbound_ack(option.get(), kMaxOutboundAcks);
  // "Rapid reset" (CVE-2023-44487): open a call, reset it, repeat. Each opened call reaches the
  // handler, so a client that resets faster than this gets GOAWAY.
  nghttp2_option_set_stream_reset_rate_limit(option.get(), kResetBurst, kResetsPerSecond);
  // Beyond SETTINGS_MAX_CONCURRENT_STREAMS nghttp2 refuses streams itself, even before the
  // client acknowledged those SETTINGS.

  nghttp2_session* raw_session = nullptr;
  if (nghttp2_session_server_new2(&raw_session, callbacks.get(), this, option.get()) != 0) {
    return false;
  }
  session_.reset(raw_session);
  const std::uint32_t streams = owner_->options().max_concurrent_streams;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kStreamWindowBytes},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxHeaderListBytes},
  };
  if (nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, settings, std::size(settings)) !=
      0) {
    return false;
  }
  return nghttp2_session_set_local_window_size(session_.get(), NGHTTP2_FLAG_NONE, 0,
                                               kConnectionWindowBytes) == 0;
}

void GrpcConnection::start(UvHandle<uv_tcp_t> tcp) {
  tcp_ = std::move(tcp);
  tcp_.get()->data = this;
  // Frames are written whole; Nagle would only delay the trailers.
  if (int rc = uv_tcp_nodelay(tcp_.get(), 1); rc != 0) {
    owner_->logger().debug(owner_->options().name, "TCP_NODELAY: {}", uv_strerror(rc));
  }
  sockaddr_storage peer{};
  int length = sizeof peer;
  if (uv_tcp_getpeername(tcp_.get(), reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
    remote_ = format_socket_address(reinterpret_cast<const sockaddr*>(&peer));
  }
  if (!create_session()) {
    owner_->logger().error(owner_->options().name, "connection from {}: cannot set up HTTP/2",
                           remote_);
    close();
    return;
  }
  start_timer(owner_->options().handshake_timeout, &GrpcConnection::on_handshake_timeout);
  if (!start_reading()) return;
  flush();  // the server preface (SETTINGS) goes out at once, as h2c with prior knowledge allows
}

// ---- reading -----------------------------------------------------------------------------------

void GrpcConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* raw = static_cast<GrpcConnection*>(stream->data);
  if (raw == nullptr) return;
  auto self = raw->weak_from_this().lock();
  if (!self) return;
  try {
    self->read(nread, buf);
  } catch (const std::exception& e) {
    if (self->owner_ != nullptr) {
      self->owner_->logger().error(self->owner_->options().name, "connection from {}: {}",
                                   self->remote_, e.what());
    }
    self->close();
  }
}

void GrpcConnection::read(ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    // EOF or a reset: the client is gone (an HTTP/2 client never half-closes a live session).
    // Calls still waiting for the handler are abandoned; their responders become no-ops.
    if (nread != UV_EOF && owner_ != nullptr) {
      owner_->logger().debug(owner_->options().name, "connection from {}: {}", remote_,
                             uv_strerror(static_cast<int>(nread)));
    }
    if (phase_ == Phase::kClosing && nread == UV_EOF) peer_closed_ = true;
    close();
    return;
  }
  if (nread == 0) return;
  if (closing()) return;  // draining after GOAWAY
  if (phase_ == Phase::kOpen) {
    start_timer(owner_->options().idle_timeout, &GrpcConnection::on_idle_timeout);
  }
  processing_ = true;
  const auto rc =
      nghttp2_session_mem_recv(session_.get(), reinterpret_cast<const std::uint8_t*>(buf->base),
                               static_cast<std::size_t>(nread));
  processing_ = false;
  if (phase_ == Phase::kClosed) return;
  if (go_away_pending_) {  // a handler closed the server, or a call failed the session
    finish_go_away();
    return;
  }
  if (rc < 0) {
    // Not HTTP/2 (an HTTP/1 request, garbage), a flood, or a failed callback: the session is
    // unusable. Tell the client why if it still can be told, then close.
    owner_->logger().debug(owner_->options().name, "connection from {}: {}", remote_,
                           nghttp2_strerror(static_cast<int>(rc)));
    go_away(rc == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  after_io();
}

// Everything nghttp2 queued while reading (SETTINGS ACKs, WINDOW_UPDATEs, answers given at once)
// goes out; a session that wants neither to read nor write has ended (GOAWAY exchanged).
void GrpcConnection::after_io() {
  if (closing()) return;
  flush();
  if (closing()) return;
  if (nghttp2_session_want_read(session_.get()) == 0 &&
      nghttp2_session_want_write(session_.get()) == 0) {
    begin_close();
    return;
  }
  update_reading();
}

void GrpcConnection::update_reading() {
  if (closing()) return;
  if (write_blocked_) {
    stop_reading();
  } else {
    start_reading();
  }
}

bool GrpcConnection::start_reading() {
  if (reading_ || phase_ == Phase::kClosed) return true;
  int rc = uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_.get()),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        auto* raw = static_cast<GrpcConnection*>(handle->data);
        // A zero-length buffer makes libuv report UV_ENOBUFS, which closes the connection.
        if (raw != nullptr && raw->owner_ != nullptr) {
          *buf = raw->owner_->read_buffer();
        } else if (raw != nullptr) {
          *buf = uv_buf_init(raw->drain_buffer_.data(),
                             static_cast<unsigned>(raw->drain_buffer_.size()));
        } else {
          *buf = uv_buf_init(nullptr, 0);
        }
      },
      &GrpcConnection::on_read);
  if (rc != 0) {
    if (owner_ != nullptr) {
      owner_->logger().debug(owner_->options().name, "read from {}: {}", remote_, uv_strerror(rc));
    }
    close();
    return false;
  }
  reading_ = true;
  return true;
}

void GrpcConnection::stop_reading() {
  if (!reading_) return;
  reading_ = false;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_.get()));  // cannot fail on a TCP handle
}

// ---- writing -----------------------------------------------------------------------------------

void GrpcConnection::flush() {
  if (phase_ == Phase::kClosed || !session_) return;
  std::string out;
  while (true) {
    if (write_queue_bytes() + out.size() > kMaxQueuedWriteBytes) {
      write_blocked_ = true;  // on_write resumes once the client read some
      stop_reading();
      break;
    }
    const std::uint8_t* data = nullptr;
    const auto n = nghttp2_session_mem_send(session_.get(), &data);
    if (n < 0) {
      if (owner_ != nullptr) {
        owner_->logger().debug(owner_->options().name, "connection from {}: {}", remote_,
                               nghttp2_strerror(static_cast<int>(n)));
      }
      close();
      return;
    }
    if (n == 0) break;
    // The bytes live in nghttp2's buffer only until the next call.
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  if (!out.empty()) write(std::move(out));
}

bool GrpcConnection::write(std::string bytes) {
  if (bytes.size() > UINT_MAX) {  // uv_buf_t lengths are 32-bit; flush() stays far below
    close();
    return false;
  }
  auto request = std::make_unique<WriteRequest>();
  request->bytes = std::move(bytes);
  request->connection = weak_from_this();
  request->request.data = request.get();
  uv_buf_t buffer =
      uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  int rc = uv_write(&request->request, reinterpret_cast<uv_stream_t*>(tcp_.get()), &buffer, 1,
                    &GrpcConnection::on_write);
  if (rc != 0) {
    if (owner_ != nullptr) {
      owner_->logger().debug(owner_->options().name, "write to {}: {}", remote_, uv_strerror(rc));
    }
    close();
    return false;
  }
  static_cast<void>(request.release());  // on_write frees it; libuv always calls it
  return true;
}

void GrpcConnection::on_write(uv_write_t* request, int status) {
  std::unique_ptr<WriteRequest> owned(static_cast<WriteRequest*>(request->data));
  auto self = owned->connection.lock();
  owned.reset();  // the bytes are written (or dropped): free them first
  if (!self || status == UV_ECANCELED || self->phase_ == Phase::kClosed) return;
  if (status != 0) {
    // EPIPE, ECONNRESET: the client went away; there is nobody left to tell.
    if (self->owner_ != nullptr) {
      self->owner_->logger().debug(self->owner_->options().name, "write to {}: {}", self->remote_,
                                   uv_strerror(status));
    }
    self->close();
    return;
  }
  if (self->write_blocked_ && self->write_queue_bytes() <= kMaxQueuedWriteBytes / 2) {
    self->write_blocked_ = false;
    try {
      self->after_io();
    } catch (const std::exception&) {
      self->close();  // only allocation can fail here; exceptions never cross into libuv
    }
  }
}

std::size_t GrpcConnection::write_queue_bytes() const {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(tcp_.get()));
}

// ---- closing -----------------------------------------------------------------------------------

void GrpcConnection::go_away(std::uint32_t error_code) {
  if (closing()) return;
  // Fails only when the session already ended (a GOAWAY is then queued or sent): close anyway.
  static_cast<void>(nghttp2_session_terminate_session(session_.get(), error_code));
  if (processing_) {
    go_away_pending_ = true;
    return;
  }
  finish_go_away();
}

void GrpcConnection::finish_go_away() {
  go_away_pending_ = false;
  write_blocked_ = false;  // the GOAWAY goes out even behind a full queue
  flush();
  if (phase_ != Phase::kClosed) begin_close();
}

void GrpcConnection::shut_down() {
  // The shared read buffer belongs to the server, which is going away: until the client's EOF
  // (or the linger timeout) this connection drains into its own small one.
  drain_buffer_.resize(kDrainBufferBytes);
  // Nobody else holds this connection any more: it holds itself until close() (EOF, error or
  // the linger timeout), so the socket is never dropped with a reset mid-GOAWAY.
  self_ = shared_from_this();
  go_away(NGHTTP2_NO_ERROR);
  // From now on this connection only finishes its GOAWAY and FIN and closes.
  if (auto* owner = std::exchange(owner_, nullptr)) owner->connection_closed(this);
}

void GrpcConnection::begin_close() {
  if (closing()) return;
  phase_ = Phase::kClosing;
  auto request = std::make_unique<ShutdownRequest>();
  request->connection = weak_from_this();
  request->request.data = request.get();
  // uv_shutdown waits for the queued writes (the GOAWAY), then sends FIN.
  if (uv_shutdown(&request->request, reinterpret_cast<uv_stream_t*>(tcp_.get()),
                  &GrpcConnection::on_shutdown) != 0) {
    close();
    return;
  }
  static_cast<void>(request.release());  // on_shutdown frees it
  // Bounds the flush: a client that reads nothing would otherwise hold the connection forever.
  start_timer(kLingerTimeout, &GrpcConnection::close);
  write_blocked_ = false;
  if (!peer_closed_) start_reading();  // drain until the client's EOF
}

void GrpcConnection::on_shutdown(uv_shutdown_t* request, int status) {
  std::unique_ptr<ShutdownRequest> owned(static_cast<ShutdownRequest*>(request->data));
  auto self = owned->connection.lock();
  if (!self || self->phase_ != Phase::kClosing) return;
  if (status != 0 || self->peer_closed_) {
    self->close();
    return;
  }
  // The client reads the GOAWAY and closes; its EOF closes this side (see read()).
}

void GrpcConnection::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  reading_ = false;
  timer_.stop();
  tcp_.close();  // cancels queued writes; their callbacks only free memory
  if (auto* owner = std::exchange(owner_, nullptr)) owner->connection_closed(this);
  // Released last; callers hold their own reference while they run.
  auto keep = std::move(self_);
}

// ---- timers ------------------------------------------------------------------------------------

void GrpcConnection::start_timer(core::Duration delay, void (GrpcConnection::*on_expiry)()) {
  if (delay <= core::Duration::zero()) {  // a zero limit means none
    timer_.stop();
    return;
  }
  timer_.start(delay, [weak = weak_from_this(), on_expiry] {
    auto self = weak.lock();
    if (!self) return;
    try {
      ((*self).*on_expiry)();
    } catch (const std::exception&) {
      self->close();  // only allocation can fail here; exceptions never cross into libuv
    }
  });
}

void GrpcConnection::on_handshake_timeout() {
  if (phase_ != Phase::kHandshake) return;
  if (owner_ != nullptr) {
    owner_->logger().debug(owner_->options().name, "connection from {}: no HTTP/2 preface in time",
                           remote_);
  }
  go_away(NGHTTP2_SETTINGS_TIMEOUT);
}

void GrpcConnection::on_idle_timeout() {
  if (phase_ != Phase::kOpen) return;
  // Calls the handler still works on are the server's business, not the client's idleness.
  const bool busy = std::any_of(streams_.begin(), streams_.end(), [](const auto& entry) {
    return entry.second->phase == Stream::Phase::kAwaitingResponse ||
           entry.second->phase == Stream::Phase::kDecompressing;
  });
  if (busy || write_blocked_) {
    start_timer(owner_->options().idle_timeout, &GrpcConnection::on_idle_timeout);
    return;
  }
  go_away(NGHTTP2_NO_ERROR);
}

}  // namespace vigil::net
