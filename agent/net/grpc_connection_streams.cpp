// GrpcConnection: the calls. nghttp2 callbacks turn frames into Streams; a complete unary
// request goes to the handler; answers are submitted as nghttp2 frames (PROTOCOLS.md 2.2).
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agent/net/compression.h"
#include "agent/net/grpc_connection.h"
#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"

namespace vigil::net {

namespace {

// Compressed messages at least this large are inflated on the thread pool (DESIGN.md section 2:
// nothing that can take more than ~1 ms runs on the loop).
constexpr std::size_t kPoolDecompressBytes = 64 * 1024;
constexpr std::size_t kHeaderOverheadBytes = 32;  // per field, as HPACK counts (RFC 7541 4.1)
constexpr std::string_view kGrpcContentType = "application/grpc";

// Pseudo-headers and connection-level fields belong to the server; the rest of a handler's
// trailers must be valid HTTP/2 field names and values.
bool reserved_trailer(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "grpc-status", "grpc-message", "grpc-status-details-bin", "content-type",      "te",
      "connection",  "keep-alive",   "proxy-connection",        "transfer-encoding", "upgrade",
  };
  return name.empty() || name.front() == ':' ||
         std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  // nghttp2 copies names and values when a frame is submitted (no NO_COPY flags).
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

// The status fields of a response; `fields` keeps the strings the nv entries point into.
void append_status(std::vector<nghttp2_nv>& nva, std::vector<std::string>& fields,
                   const GrpcResponse& response, int code) {
  fields.reserve(fields.size() + 3);
  fields.push_back(std::to_string(code));
  nva.push_back(make_nv("grpc-status", fields.back()));
  if (!response.message.empty()) {
    fields.push_back(percent_encode_grpc_message(response.message));
    nva.push_back(make_nv("grpc-message", fields.back()));
  }
  if (!response.status_details.empty()) {
    if (auto details = encode_grpc_binary_value(response.status_details)) {
      fields.push_back(std::move(*details));
      nva.push_back(make_nv("grpc-status-details-bin", fields.back()));
    }
  }
}

template <typename F>
int guarded(void* self, F&& body) {
  try {
    return body(*static_cast<GrpcConnection*>(self));
  } catch (const std::exception&) {
    return NGHTTP2_ERR_CALLBACK_FAILURE;  // out of memory: nghttp2 fails the session
  }
}

}  // namespace

GrpcConnection::Stream* GrpcConnection::find(std::int32_t stream_id) const {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

bool GrpcConnection::awaiting_response(std::int32_t stream_id) const {
  if (closing()) return false;
  const auto* stream = find(stream_id);
  return stream != nullptr && stream->phase == Stream::Phase::kAwaitingResponse;
}

// ---- nghttp2 callbacks -------------------------------------------------------------------------

int GrpcConnection::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    if (c.detached()) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      c.begin_stream(frame->hd.stream_id);
    }
    return 0;
  });
}

int GrpcConnection::on_header(nghttp2_session*, const nghttp2_frame* frame,
                              const std::uint8_t* name, std::size_t name_length,
                              const std::uint8_t* value, std::size_t value_length, std::uint8_t,
                              void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    if (c.detached() || frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
      return 0;  // request trailers carry nothing a unary gRPC call uses
    }
    if (auto* stream = c.find(frame->hd.stream_id)) {
      c.add_header(*stream, {reinterpret_cast<const char*>(name), name_length},
                   {reinterpret_cast<const char*>(value), value_length});
    }
    return 0;
  });
}

int GrpcConnection::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    if (c.detached()) return 0;
    if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0 &&
        c.phase_ == Phase::kHandshake) {
      c.phase_ = Phase::kOpen;  // preface and SETTINGS arrived: from now on idleness counts
      c.start_timer(c.owner_->options().idle_timeout, &GrpcConnection::on_idle_timeout);
      return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    auto* stream = c.find(frame->hd.stream_id);
    if (stream == nullptr) return 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      c.headers_complete(*stream);
    }
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0 && !c.detached()) {
      c.end_of_request(*stream);
    }
    return 0;
  });
}

int GrpcConnection::on_data_chunk_recv(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                                       const std::uint8_t* data, std::size_t length, void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    if (c.detached()) return 0;
    // nghttp2 returns the flow-control window for these bytes once this callback returns (its
    // automatic WINDOW_UPDATE): what is kept is bounded by the message limit and shed_load().
    if (auto* stream = c.find(stream_id)) {
      c.receive_data(*stream, {reinterpret_cast<const char*>(data), length});
    }
    return 0;
  });
}

int GrpcConnection::on_stream_close(nghttp2_session*, std::int32_t stream_id,
                                    std::uint32_t error_code, void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    auto it = c.streams_.find(stream_id);
    if (it == c.streams_.end()) return 0;
    auto& stream = *it->second;
    if (stream.phase != Stream::Phase::kAnswered && c.owner_ != nullptr) {
      // RST_STREAM from the client (CANCEL, deadline): the call is cancelled, its responder
      // becomes a no-op.
      c.owner_->logger().debug(c.owner_->options().name, "call {} from {} cancelled: {}",
                               stream.path, c.remote_, nghttp2_http2_strerror(error_code));
    }
    c.release_buffer(stream);
    c.streams_.erase(it);
    return 0;
  });
}

ssize_t GrpcConnection::read_response_data(nghttp2_session* session, std::int32_t stream_id,
                                           std::uint8_t* buf, std::size_t length,
                                           std::uint32_t* data_flags, nghttp2_data_source*,
                                           void* self) {
  return guarded(self, [&](GrpcConnection& c) -> int {
    auto* stream = c.find(stream_id);
    if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
    const std::size_t n = std::min(length, stream->out.size() - stream->out_offset);
    std::memcpy(buf, stream->out.data() + stream->out_offset, n);
    stream->out_offset += n;
    if (stream->out_offset < stream->out.size()) return static_cast<int>(n);
    // The message is out: the trailers end the stream (grpc-status is always sent).
    *data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
    std::vector<nghttp2_nv> nva;
    nva.reserve(stream->trailers.size());
    for (const auto& field : stream->trailers) nva.push_back(make_nv(field.name, field.value));
    if (nghttp2_submit_trailer(session, stream_id, nva.data(), nva.size()) != 0) {
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    stream->out = {};
    stream->trailers = {};
    return static_cast<int>(n);
  });
}

// ---- the call ----------------------------------------------------------------------------------

void GrpcConnection::begin_stream(std::int32_t stream_id) {
  auto stream = std::make_unique<Stream>(stream_id, owner_->options().max_message_bytes);
  streams_.insert_or_assign(stream_id, std::move(stream));
}

void GrpcConnection::add_header(Stream& stream, std::string_view name, std::string_view value) {
  if (stream.metadata_too_large) return;
  stream.metadata_bytes += name.size() + value.size() + kHeaderOverheadBytes;
  // nghttp2 enforces SETTINGS_MAX_HEADER_LIST_SIZE only on what it sends: bound it here.
  if (stream.metadata_bytes > kMaxHeaderListBytes) {
    stream.metadata_too_large = true;
    stream.metadata = {};
    return;
  }
  // nghttp2 already rejected malformed requests (missing or repeated pseudo-headers, upper-case
  // names, connection-specific fields) with RST_STREAM before they get here.
  if (!name.empty() && name.front() == ':') {
    if (name == ":method") stream.method = value;
    if (name == ":path") stream.path = value;
    return;
  }
  if (name == "content-type") stream.content_type = value;
  if (name == "grpc-encoding") stream.encoding = value;
  stream.metadata.push_back({std::string(name), std::string(value)});
}

void GrpcConnection::headers_complete(Stream& stream) {
  if (stream.phase != Stream::Phase::kReceiving) return;
  // As grpc's servers do: a request that is not gRPC gets a plain HTTP status.
  if (stream.method != "POST") return fail_http(stream, 405);
  if (!is_grpc_content_type(stream.content_type)) return fail_http(stream, 415);
  if (stream.metadata_too_large) {
    return fail(stream, kGrpcResourceExhausted,
                fmt::format("request metadata larger than {} bytes", kMaxHeaderListBytes));
  }
  if (!parse_grpc_encoding(stream.encoding)) {
    return fail(stream, kGrpcUnimplemented,
                fmt::format("grpc-encoding \"{}\" is not supported (supported: {})",
                            stream.encoding, kGrpcAcceptEncoding),
                kGrpcAcceptEncoding);
  }
}

void GrpcConnection::receive_data(Stream& stream, std::string_view data) {
  if (stream.phase != Stream::Phase::kReceiving) return;  // rejected calls: discarded
  const auto state = stream.reader.feed(data);
  const std::size_t now = stream.reader.buffered_bytes();
  buffered_ = buffered_ - stream.buffered + now;
  stream.buffered = now;
  const auto max = owner_->options().max_message_bytes;
  switch (state) {
    case GrpcMessageReader::State::kTooLarge:
      return fail(stream, kGrpcResourceExhausted,
                  fmt::format("request message of {} bytes is larger than the limit of {} bytes",
                              stream.reader.announced_length(), max));
    case GrpcMessageReader::State::kBadFlag:
      return fail(stream, kGrpcInternal, "invalid compressed flag in the message prefix");
    case GrpcMessageReader::State::kTooMany:
      return fail(stream, kGrpcUnimplemented,
                  "more than one request message in a unary call (streaming is not supported)");
    default:
      break;
  }
  if (buffered_ > buffer_cap_) shed_load();
}

void GrpcConnection::shed_load() {
  // The newest calls go first: the older ones are furthest along and free the most when done.
  std::vector<std::int32_t> receiving;
  for (const auto& [id, stream] : streams_) {
    if (stream->phase == Stream::Phase::kReceiving && stream->buffered > 0) {
      receiving.push_back(id);
    }
  }
  std::sort(receiving.begin(), receiving.end(), std::greater<>());
  for (auto id : receiving) {
    if (buffered_ <= buffer_cap_) break;
    fail(*find(id), kGrpcUnavailable,
         fmt::format("server busy: more than {} bytes of requests buffered on this connection",
                     buffer_cap_));
  }
}

void GrpcConnection::release_buffer(Stream& stream) {
  buffered_ -= stream.buffered;
  stream.buffered = 0;
  stream.reader = GrpcMessageReader(0);  // frees the partial message
}

void GrpcConnection::end_of_request(Stream& stream) {
  if (stream.phase != Stream::Phase::kReceiving) return;
  auto& reader = stream.reader;
  if (reader.empty()) return fail(stream, kGrpcInternal, "the request carries no message");
  if (reader.state() != GrpcMessageReader::State::kComplete) {
    return fail(stream, kGrpcInternal, "the request ended inside a message");
  }
  const bool compressed = reader.compressed();
  std::string message = reader.take_message();
  release_buffer(stream);
  if (!compressed) return dispatch(stream, std::move(message));
  const Codec codec = parse_grpc_encoding(stream.encoding).value_or(Codec::kNone);
  if (codec == Codec::kNone) {
    return fail(stream, kGrpcInternal, "compressed message without a grpc-encoding");
  }
  const auto max = owner_->options().max_message_bytes;
  if (message.size() < kPoolDecompressBytes) {
    return decompressed(stream.id, decompress(codec, message, max));
  }
  stream.phase = Stream::Phase::kDecompressing;
  auto result = std::make_shared<core::Result<std::string>>();
  auto input = std::make_shared<std::string>(std::move(message));
  run_in_pool(
      loop_, [result, input, codec, max] { *result = decompress(codec, *input, max); },
      [weak = weak_from_this(), id = stream.id, result] {
        auto self = weak.lock();
        if (!self) return;
        try {
          self->decompressed(id, std::move(*result));
        } catch (const std::exception&) {
          self->close();  // only allocation can fail here; exceptions never cross into libuv
        }
      });
}

void GrpcConnection::decompressed(std::int32_t stream_id, core::Result<std::string> message) {
  if (detached()) return;
  auto* stream = find(stream_id);
  if (stream == nullptr || stream->phase == Stream::Phase::kAnswered) return;  // reset meanwhile
  if (!message) {
    const bool too_large = message.error().message.find("exceeds") != std::string::npos;
    fail(*stream, too_large ? kGrpcResourceExhausted : kGrpcInternal,
         too_large
             ? fmt::format("decompressed request message larger than the limit of {} bytes",
                           owner_->options().max_message_bytes)
             : fmt::format("cannot decompress the request message: {}", message.error().message));
  } else {
    dispatch(*stream, std::move(*message));
  }
  if (!processing_) after_io();
}

void GrpcConnection::dispatch(Stream& stream, std::string message) {
  stream.phase = Stream::Phase::kAwaitingResponse;
  GrpcRequest request;
  request.path = stream.path;
  request.metadata = std::move(stream.metadata);
  request.message = std::move(message);
  request.remote = remote_;
  owner_->dispatch(std::move(request), GrpcResponder(weak_from_this(), stream.id));
}

// ---- answers -----------------------------------------------------------------------------------

void GrpcConnection::respond(std::int32_t stream_id, GrpcResponse response) {
  if (closing()) return;
  auto* stream = find(stream_id);
  if (stream == nullptr || stream->phase != Stream::Phase::kAwaitingResponse) return;
  if (response.code < kGrpcOk || response.code > kGrpcUnauthenticated) {
    owner_->logger().error(owner_->options().name,
                           "handler answered a call from {} with grpc-status {}; sent UNKNOWN",
                           remote_, response.code);
    response.code = kGrpcUnknown;
  }
  submit(*stream, std::move(response));
  // Inside nghttp2_session_mem_recv (the handler answered at once) read() flushes afterwards.
  if (!processing_) after_io();
}

void GrpcConnection::fail(Stream& stream, int code, std::string_view message,
                          std::string_view accept_encoding) {
  owner_->logger().debug(owner_->options().name, "call {} from {}: grpc-status {}: {}", stream.path,
                         remote_, code, message);
  GrpcResponse response;
  response.code = code;
  response.message = message;
  submit(stream, std::move(response), accept_encoding);
}

void GrpcConnection::submit(Stream& stream, GrpcResponse response,
                            std::string_view accept_encoding) {
  stream.phase = Stream::Phase::kAnswered;
  release_buffer(stream);
  stream.metadata = {};
  HttpHeaders extra;
  std::size_t dropped = 0;
  for (auto& field : response.trailers) {
    std::transform(field.name.begin(), field.name.end(), field.name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    const auto* name = reinterpret_cast<const std::uint8_t*>(field.name.data());
    const auto* value = reinterpret_cast<const std::uint8_t*>(field.value.data());
    if (reserved_trailer(field.name) || nghttp2_check_header_name(name, field.name.size()) == 0 ||
        nghttp2_check_header_value(value, field.value.size()) == 0) {
      ++dropped;
      continue;
    }
    extra.push_back(std::move(field));
  }
  if (dropped > 0) {
    owner_->logger().warn(owner_->options().name,
                          "dropped {} trailer(s): invalid, or set by the server itself", dropped);
  }

  std::vector<nghttp2_nv> nva;
  std::vector<std::string> fields;
  nva.push_back(make_nv(":status", "200"));
  nva.push_back(make_nv("content-type", kGrpcContentType));
  if (!accept_encoding.empty()) nva.push_back(make_nv("grpc-accept-encoding", accept_encoding));
  int rc = 0;
  if (response.code == kGrpcOk) {
    // HEADERS, then the message, then the status in trailers (read_response_data).
    stream.out = encode_grpc_message(response.body);
    stream.out_offset = 0;
    stream.trailers.clear();
    stream.trailers.push_back({"grpc-status", "0"});
    if (!response.message.empty()) {
      stream.trailers.push_back({"grpc-message", percent_encode_grpc_message(response.message)});
    }
    if (!response.status_details.empty()) {
      if (auto details = encode_grpc_binary_value(response.status_details)) {
        stream.trailers.push_back({"grpc-status-details-bin", std::move(*details)});
      }
    }
    for (auto& field : extra) stream.trailers.push_back(std::move(field));
    nghttp2_data_provider provider{};
    provider.read_callback = &GrpcConnection::read_response_data;
    rc = nghttp2_submit_response(session_.get(), stream.id, nva.data(), nva.size(), &provider);
  } else {
    // Trailers-Only: one HEADERS frame with END_STREAM.
    append_status(nva, fields, response, response.code);
    for (const auto& field : extra) nva.push_back(make_nv(field.name, field.value));
    rc = nghttp2_submit_response(session_.get(), stream.id, nva.data(), nva.size(), nullptr);
    stop_receiving(stream);
  }
  if (rc != 0) {
    owner_->logger().debug(owner_->options().name, "answering call {} from {}: {}", stream.path,
                           remote_, nghttp2_strerror(rc));
  }
}

void GrpcConnection::fail_http(Stream& stream, int status) {
  owner_->logger().debug(owner_->options().name, "request {} {} from {} (content-type \"{}\"): {}",
                         stream.method, stream.path, remote_, stream.content_type, status);
  stream.phase = Stream::Phase::kAnswered;
  release_buffer(stream);
  const std::string code = std::to_string(status);
  std::vector<nghttp2_nv> nva{make_nv(":status", code)};
  if (status == 405) nva.push_back(make_nv("allow", "POST"));
  const int rc =
      nghttp2_submit_response(session_.get(), stream.id, nva.data(), nva.size(), nullptr);
  if (rc != 0) {
    owner_->logger().debug(owner_->options().name, "answering {} from {}: {}", stream.path, remote_,
                           nghttp2_strerror(rc));
  }
  stop_receiving(stream);
}

// An answer sent before the request ended: the client is told to stop sending (RFC 9113 8.1),
// so a rejected 4 MiB message is not uploaded for nothing. Marked now, reset once the answer is
// out (an RST_STREAM sent first would make nghttp2 drop the answer).
void GrpcConnection::stop_receiving(Stream& stream) { stream.reset_after_answer = true; }

int GrpcConnection::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame,
                                  void* self) {
  return guarded(self, [&](GrpcConnection& c) {
    if (c.detached() || frame->hd.type != NGHTTP2_HEADERS ||
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
      return 0;
    }
    auto* stream = c.find(frame->hd.stream_id);
    if (stream != nullptr && stream->reset_after_answer &&
        nghttp2_session_get_stream_remote_close(session, stream->id) == 0) {
      // Fails only if the stream is already gone: nothing left to stop then.
      static_cast<void>(
          nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_NO_ERROR));
    }
    return 0;
  });
}

}  // namespace vigil::net
