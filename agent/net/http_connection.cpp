#include "agent/net/http_connection.h"

#include <array>
#include <cctype>
#include <climits>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "agent/net/http1_response.h"
#include "agent/telemetry/logger.h"

namespace vigil::net {

namespace {

// Pipelined bytes held while a request waits for its answer; beyond, the socket is not read
// (TCP flow control then slows the client down).
constexpr std::size_t kMaxBufferedBytes = 64 * 1024;
// Answers queued in libuv beyond what the socket took; above, the next pipelined request waits
// until the client reads (a client that pipelines without reading must not grow the queue).
constexpr std::size_t kMaxQueuedWriteBytes = 256 * 1024;
// After the last response went out and FIN was sent: how long to drain what the client still
// sends before closing (closing with unread input resets the connection, and a reset can destroy
// the response before the client read it).
constexpr core::Duration kLingerTimeout = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

struct WriteRequest {
  uv_write_t request{};
  std::string head;
  std::string body;
  std::weak_ptr<HttpConnection> connection;
};

struct ShutdownRequest {
  uv_shutdown_t request{};
  std::weak_ptr<HttpConnection> connection;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// http-parser drops leading whitespace of a value but keeps trailing whitespace (RFC 9110 OWS).
void trim_values(HttpHeaders& headers) {
  for (auto& header : headers) {
    auto end = header.value.find_last_not_of(" \t");
    header.value.erase(end == std::string::npos ? 0 : end + 1);
  }
}

void split_target(HttpRequest& request) {
  http_parser_url url;
  http_parser_url_init(&url);
  // Offsets in http_parser_url are 16-bit; longer targets (only possible with a raised
  // max_header_bytes) keep the whole target as the path.
  if (request.target.size() > UINT16_MAX ||
      http_parser_parse_url(request.target.data(), request.target.size(), 0, &url) != 0) {
    request.path = request.target;
    return;
  }
  auto field = [&](http_parser_url_fields f) -> std::string {
    if ((url.field_set & (1U << f)) == 0) return {};
    return request.target.substr(url.field_data[f].off, url.field_data[f].len);
  };
  request.path = field(UF_PATH);
  request.query = field(UF_QUERY);
  if (request.path.empty()) request.path = "/";  // absolute-form without a path
}

}  // namespace

HttpConnection::HttpConnection(uv_loop_t* loop, HttpConnectionOwner& owner)
    : owner_(&owner), timer_(loop) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

void HttpConnection::start(UvHandle<uv_tcp_t> tcp) {
  tcp_ = std::move(tcp);
  tcp_.get()->data = this;
  // Responses are written whole; Nagle would only delay the last segment.
  if (int rc = uv_tcp_nodelay(tcp_.get(), 1); rc != 0) {
    owner_->logger().debug(owner_->options().name, "TCP_NODELAY: {}", uv_strerror(rc));
  }
  sockaddr_storage peer{};
  int length = sizeof peer;
  if (uv_tcp_getpeername(tcp_.get(), reinterpret_cast<sockaddr*>(&peer), &length) == 0) {
    remote_ = format_socket_address(reinterpret_cast<const sockaddr*>(&peer));
  }
  start_timer(owner_->options().idle_timeout, &HttpConnection::on_idle_timeout);
  start_reading();
}

// ---- byte intake -------------------------------------------------------------------------------

void HttpConnection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* raw = static_cast<HttpConnection*>(stream->data);
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

void HttpConnection::read(ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    if (phase_ == Phase::kClosing && nread == UV_EOF && !shutdown_done_) {
      // The client finished sending; let the last response flush, then close.
      peer_closed_ = true;
      stop_reading();
      return;
    }
    if (nread == UV_EOF && phase_ == Phase::kIdle && write_queue_bytes() > 0) {
      // The client finished sending (half-close) while answers are still queued: deliver them.
      peer_closed_ = true;
      stop_reading();
      begin_close();
      return;
    }
    // EOF or a reset: the client is gone. A request still waiting for its handler is
    // abandoned (its responder becomes a no-op), as Node.js and Go servers do.
    if (nread != UV_EOF && owner_ != nullptr) {
      owner_->logger().debug(owner_->options().name, "connection from {}: {}", remote_,
                             uv_strerror(static_cast<int>(nread)));
    }
    close();
    return;
  }
  if (nread == 0) return;
  intake(buf->base, static_cast<std::size_t>(nread));
}

void HttpConnection::intake(const char* data, std::size_t size) {
  // Every received byte enters here. A protocol switch belongs here too: HTTP/2 with prior
  // knowledge (gRPC) opens with "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", which http-parser rejects as
  // an invalid method, so until HTTP/2 is added such a client gets 400.
  if (closing()) return;  // draining after the last response
  if (!pending_.empty()) {
    pending_.append(data, size);
    process_pending();
    return;
  }
  processing_ = true;
  std::size_t used = parse(data, size);
  processing_ = false;
  if (closing()) return;
  // The rest stays in the shared read buffer only until the next read: keep a copy.
  pending_.append(data + used, size - used);
  update_reading();
}

void HttpConnection::process_pending() {
  if (!pending_.empty()) {
    processing_ = true;
    std::size_t used = parse(pending_.data(), pending_.size());
    processing_ = false;
    if (closing()) {
      pending_.clear();
      pending_.shrink_to_fit();
      return;
    }
    pending_.erase(0, used);
  }
  update_reading();
}

std::size_t HttpConnection::parse(const char* data, std::size_t size) {
  std::size_t used = 0;
  while (used < size && !closing() && phase_ != Phase::kAwaitingResponse) {
    if (phase_ == Phase::kIdle && write_queue_bytes() > kMaxQueuedWriteBytes) {
      write_blocked_ = true;  // on_write resumes
      break;
    }
    const bool in_head = phase_ == Phase::kIdle || phase_ == Phase::kHead;
    std::size_t n = http_parser_execute(&parser_, &parser_settings(), data + used, size - used);
    used += n;
    if (in_head) head_bytes_ += n;
    if (failed_status_ != 0) {
      reject(failed_status_, failed_reason_);
      break;
    }
    auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error == HPE_PAUSED) {
      // The callbacks pause at the two points where the server decides something: after the
      // head (limits, 100-continue) and after the message (hand it over, wait for the answer).
      switch (std::exchange(pause_, Pause::kNone)) {
        case Pause::kHeadersComplete:
          headers_complete();
          break;
        case Pause::kMessageComplete:
          message_complete();
          break;
        case Pause::kNone:
          close();
          break;
      }
      continue;
    }
    if (error != HPE_OK) {
      // http-parser has its own head limit (HTTP_MAX_HEADER_SIZE, 80 KiB): also a 431.
      if (error == HPE_HEADER_OVERFLOW) {
        reject(431, "request head too large");
      } else if (error >= HPE_CB_message_begin && error <= HPE_CB_chunk_complete) {
        reject(500, "internal error while reading the request");  // a callback ran out of memory
      } else {
        reject(400, http_errno_description(error));
      }
      break;
    }
    if (phase_ == Phase::kHead && head_bytes_ > owner_->options().max_header_bytes) {
      reject(431,
             fmt::format("request head larger than {} bytes", owner_->options().max_header_bytes));
      break;
    }
    if (n == 0) {  // no progress and no error: never spin
      close();
      break;
    }
  }
  return used;
}

// ---- request decisions -------------------------------------------------------------------------

void HttpConnection::headers_complete() {
  const auto& options = owner_->options();
  if (head_bytes_ > options.max_header_bytes) {
    return reject(431, fmt::format("request head larger than {} bytes", options.max_header_bytes));
  }
  auto& request = request_;
  request.method = http_method_str(static_cast<http_method>(parser_.method));
  split_target(request);
  trim_values(request.headers);
  keep_alive_ = http_should_keep_alive(&parser_) != 0;
  http10_ = parser_.http_major == 1 && parser_.http_minor == 0;
  head_request_ = parser_.method == HTTP_HEAD;
  request.keep_alive = keep_alive_;
  request.remote = remote_;

  if (parser_.http_major != 1) return reject(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  if (parser_.method == HTTP_CONNECT) return reject(501, "CONNECT is not supported");
  // Only chunked is decoded; another coding (gzip, or chunked after another) would hand the
  // handler bytes it cannot interpret.
  if (parser_.uses_transfer_encoding && !iequals(request.header("transfer-encoding"), "chunked")) {
    return reject(501, "unsupported transfer-encoding (only chunked is supported)");
  }
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  const bool has_length = (parser_.flags & F_CONTENTLENGTH) != 0;
  // Refused before the body is read: a client waiting for 100-continue never sends it.
  if (has_length && parser_.content_length > options.max_body_bytes) {
    return reject(413, fmt::format("request body larger than {} bytes", options.max_body_bytes));
  }
  const bool has_body = chunked || (has_length && parser_.content_length > 0);
  // HTTP/1.0 clients cannot expect 100-continue (RFC 9110 section 10.1.1): ignored there.
  if (auto expect = request.header("expect"); !expect.empty() && !http10_) {
    if (!iequals(expect, "100-continue")) return reject(417, "unsupported expectation");
    if (has_body && !write(std::string(kContinue), {})) return;
  }
  phase_ = Phase::kBody;
  if (has_body) {
    start_timer(options.body_timeout, &HttpConnection::on_body_timeout);
  } else {
    timer_.stop();
  }
  http_parser_pause(&parser_, 0);
}

void HttpConnection::message_complete() {
  trim_values(request_.headers);  // trailers of a chunked body were appended
  phase_ = Phase::kAwaitingResponse;
  timer_.stop();
  // The parser stays paused until respond(): the next pipelined request waits for this answer.
  HttpRequest request = std::exchange(request_, HttpRequest{});
  owner_->dispatch(std::move(request), HttpResponder(weak_from_this()));
}

void HttpConnection::respond(HttpResponse response) {
  if (phase_ != Phase::kAwaitingResponse) return;
  if (response.status < 200 || response.status > 599) {
    owner_->logger().error(owner_->options().name,
                           "handler answered a request from {} with status {}; sent 500 instead",
                           remote_, response.status);
    response = HttpResponse{500, {}, "internal error: invalid response status\n"};
  }
  const bool close_after = !keep_alive_;
  write_response(std::move(response), close_after);
  if (closing()) return;
  phase_ = Phase::kIdle;
  head_bytes_ = 0;
  head_request_ = false;  // an error answer before the next head must carry its body
  http_parser_pause(&parser_, 0);
  start_timer(owner_->options().idle_timeout, &HttpConnection::on_idle_timeout);
  // Inside parse() (the handler answered at once) the loop there continues by itself.
  if (!processing_) process_pending();
}

void HttpConnection::reject(int status, std::string_view reason) {
  if (closing() || phase_ == Phase::kAwaitingResponse) return;
  owner_->logger().debug(owner_->options().name, "request from {}: {} {}", remote_, status, reason);
  keep_alive_ = false;
  HttpResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
  response.body = fmt::format("{}\n", reason);
  if (const auto& hook = owner_->options().error_response) {
    hook(request_, response);
    response.status = status;  // the hook shapes the body; the verdict stays the server's
  }
  write_response(std::move(response), true);
}

// ---- writing and closing -----------------------------------------------------------------------

void HttpConnection::write_response(HttpResponse response, bool close_after) {
  Http1Framing framing;
  framing.head_request = head_request_;
  framing.close = close_after;
  framing.announce_keep_alive = http10_ && !close_after;
  framing.date = owner_->http_date();
  auto head =
      encode_http1_response_head(response.status, response.headers, response.body.size(), framing);
  if (head.dropped_headers > 0) {
    owner_->logger().warn(owner_->options().name,
                          "dropped {} response header(s): invalid, or set by the server itself",
                          head.dropped_headers);
  }
  if (!head.send_body) response.body.clear();
  if (!write(std::move(head.bytes), std::move(response.body))) return;
  if (close_after) begin_close();
}

bool HttpConnection::write(std::string head, std::string body) {
  if (head.size() > UINT_MAX || body.size() > UINT_MAX) {  // uv_buf_t lengths are 32-bit
    owner_->logger().error(owner_->options().name, "response to {} too large to write", remote_);
    close();
    return false;
  }
  auto request = std::make_unique<WriteRequest>();
  request->head = std::move(head);
  request->body = std::move(body);
  request->connection = weak_from_this();
  request->request.data = request.get();
  std::array<uv_buf_t, 2> buffers = {
      uv_buf_init(request->head.data(), static_cast<unsigned>(request->head.size())),
      uv_buf_init(request->body.data(), static_cast<unsigned>(request->body.size()))};
  int rc = uv_write(&request->request, reinterpret_cast<uv_stream_t*>(tcp_.get()), buffers.data(),
                    request->body.empty() ? 1 : 2, &HttpConnection::on_write);
  if (rc != 0) {
    owner_->logger().debug(owner_->options().name, "write to {}: {}", remote_, uv_strerror(rc));
    close();
    return false;
  }
  static_cast<void>(request.release());  // on_write frees it; libuv always calls it
  return true;
}

void HttpConnection::on_write(uv_write_t* request, int status) {
  std::unique_ptr<WriteRequest> owned(static_cast<WriteRequest*>(request->data));
  auto self = owned->connection.lock();
  owned.reset();  // the bytes are written (or dropped): free them first
  if (!self || status == UV_ECANCELED) return;
  if (status != 0) {
    // EPIPE, ECONNRESET: the client went away; there is nobody left to tell.
    if (self->owner_ != nullptr) {
      self->owner_->logger().debug(self->owner_->options().name, "write to {}: {}", self->remote_,
                                   uv_strerror(status));
    }
    self->close();
    return;
  }
  if (self->write_blocked_ && !self->processing_ && !self->closing() &&
      self->write_queue_bytes() <= kMaxQueuedWriteBytes) {
    self->write_blocked_ = false;
    try {
      self->process_pending();
    } catch (const std::exception&) {
      self->close();  // only allocation can fail here; exceptions never cross into libuv
    }
  }
}

std::size_t HttpConnection::write_queue_bytes() const {
  return uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(tcp_.get()));
}

void HttpConnection::begin_close() {
  phase_ = Phase::kClosing;
  auto request = std::make_unique<ShutdownRequest>();
  request->connection = weak_from_this();
  request->request.data = request.get();
  // uv_shutdown waits for the queued writes, then sends FIN.
  if (uv_shutdown(&request->request, reinterpret_cast<uv_stream_t*>(tcp_.get()),
                  &HttpConnection::on_shutdown) != 0) {
    close();
    return;
  }
  static_cast<void>(request.release());  // on_shutdown frees it
  // Bounds the flush: a client that reads nothing would otherwise hold the connection forever.
  start_timer(owner_->options().idle_timeout, &HttpConnection::close);
  if (!timer_.active()) start_timer(kLingerTimeout, &HttpConnection::close);
  if (!peer_closed_) start_reading();  // drain, see kLingerTimeout
}

void HttpConnection::on_shutdown(uv_shutdown_t* request, int status) {
  std::unique_ptr<ShutdownRequest> owned(static_cast<ShutdownRequest*>(request->data));
  auto self = owned->connection.lock();
  if (!self || self->phase_ != Phase::kClosing) return;
  if (status != 0 || self->peer_closed_) {
    self->close();
    return;
  }
  self->shutdown_done_ = true;
  self->start_timer(kLingerTimeout, &HttpConnection::close);
}

void HttpConnection::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  reading_ = false;
  timer_.stop();
  tcp_.close();  // cancels queued writes; their callbacks only free memory
  if (auto* owner = std::exchange(owner_, nullptr)) owner->connection_closed(this);
}

// ---- reading and timers ------------------------------------------------------------------------

void HttpConnection::update_reading() {
  if (closing()) return;
  if (pending_.size() > kMaxBufferedBytes) {
    stop_reading();
  } else {
    start_reading();
  }
}

bool HttpConnection::start_reading() {
  if (reading_ || phase_ == Phase::kClosed) return true;
  int rc = uv_read_start(
      reinterpret_cast<uv_stream_t*>(tcp_.get()),
      [](uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
        auto* raw = static_cast<HttpConnection*>(handle->data);
        // A zero-length buffer makes libuv report UV_ENOBUFS, which closes the connection.
        *buf = (raw != nullptr && raw->owner_ != nullptr) ? raw->owner_->read_buffer()
                                                          : uv_buf_init(nullptr, 0);
      },
      &HttpConnection::on_read);
  if (rc != 0) {
    owner_->logger().debug(owner_->options().name, "read from {}: {}", remote_, uv_strerror(rc));
    close();
    return false;
  }
  reading_ = true;
  return true;
}

void HttpConnection::stop_reading() {
  if (!reading_) return;
  reading_ = false;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_.get()));  // cannot fail on a TCP handle
}

void HttpConnection::start_timer(core::Duration delay, void (HttpConnection::*on_expiry)()) {
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

void HttpConnection::on_header_timeout() {
  if (phase_ == Phase::kHead) reject(408, "request head not received in time");
}

void HttpConnection::on_body_timeout() {
  if (phase_ == Phase::kBody) reject(408, "request body not received in time");
}

void HttpConnection::on_idle_timeout() {
  if (phase_ == Phase::kIdle) close();
}

}  // namespace vigil::net
