#include "collectors/otlp/http_receiver.h"

#include <algorithm>

#include "agent/net/compression.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::collectors::otlp {

namespace {

constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";

std::optional<core::Signal> signal_of_path(std::string_view path) {
  if (path == "/v1/traces") return core::Signal::kTraces;
  if (path == "/v1/metrics") return core::Signal::kMetrics;
  if (path == "/v1/logs") return core::Signal::kLogs;
  return std::nullopt;
}

std::string lower_trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The media type without parameters ("application/json; charset=utf-8" is JSON).
std::optional<Encoding> encoding_of_type(std::string_view content_type) {
  const std::string type = lower_trimmed(content_type.substr(0, content_type.find(';')));
  if (type == kProtobufType) return Encoding::kProtobuf;
  if (type == kJsonType) return Encoding::kJson;
  return std::nullopt;
}

// gzip and zstd, or none ("identity", "none" or no header); anything else (also a list of
// codings) is unsupported.
std::optional<net::Codec> codec_of(std::string_view content_encoding) {
  const std::string coding = lower_trimmed(content_encoding);
  if (coding.empty() || coding == "identity" || coding == "none") return net::Codec::kNone;
  if (coding == "gzip") return net::Codec::kGzip;
  if (coding == "zstd") return net::Codec::kZstd;
  return std::nullopt;
}

std::string_view content_type_of(Encoding encoding) {
  return encoding == Encoding::kJson ? kJsonType : kProtobufType;
}

}  // namespace

HttpReceiver::HttpReceiver(uv_loop_t* loop, HttpReceiverOptions options, const BearerAuth& auth,
                           RequestProcessor& processor, telemetry::MetricsRegistry& metrics,
                           telemetry::Logger& logger)
    : options_(std::move(options)),
      auth_(auth),
      processor_(processor),
      metrics_(metrics),
      server_(
          loop,
          net::HttpServerOptions{
              .listen = options_.listen,
              .max_body_bytes = options_.max_request_size,
              .name = options_.component,
              // The server's own answers (413 from Content-Length, 400, 408, 431) carry a
              // google.rpc.Status in the request's encoding too (PROTOCOLS.md 1.4).
              .error_response =
                  [this](const net::HttpRequest& partial, net::HttpResponse& answer) {
                    shape_server_error(partial, answer);
                  },
          },
          [this](net::HttpRequest&& request, net::HttpResponder responder) {
            handle(std::move(request), std::move(responder));
          },
          logger) {}

core::Result<void> HttpReceiver::listen() { return server_.listen(); }

std::string HttpReceiver::retry_after_seconds() const {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(options_.retry_after).count();
  return std::to_string(std::max<std::int64_t>(1, seconds));
}

void HttpReceiver::answer(net::HttpResponder& responder, net::HttpResponse response) {
  count_status(response.status);
  responder.send(std::move(response));
}

void HttpReceiver::shape_server_error(const net::HttpRequest& partial, net::HttpResponse& answer) {
  count_status(answer.status);
  const auto encoding = encoding_of_type(partial.header("content-type"));
  if (!encoding || !signal_of_path(partial.path)) return;  // not an OTLP request: plain text
  std::string_view reason = answer.body;
  while (!reason.empty() && reason.back() == '\n') reason.remove_suffix(1);
  const int code = answer.status == 413 ? kGrpcResourceExhausted : kGrpcInvalidArgument;
  answer.headers = {{"Content-Type", std::string(content_type_of(*encoding))}};
  answer.body = encode_status(*encoding, code, reason);
}

void HttpReceiver::count_status(int status) {
  auto& counter = requests_by_status_[status];
  if (counter == nullptr) {
    counter = &metrics_.counter("vigil_otlp_requests_total",
                                "OTLP export requests answered, by transport and status.",
                                {{"component", options_.component},
                                 {"transport", "http"},
                                 {"status", std::to_string(status)}});
  }
  counter->add();
}

void HttpReceiver::fail(net::HttpResponder& responder, int status, std::optional<Encoding> encoding,
                        int grpc_code, std::string_view message, net::HttpHeaders headers) {
  net::HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  if (encoding) {
    response.headers.push_back({"Content-Type", std::string(content_type_of(*encoding))});
    response.body = encode_status(*encoding, grpc_code, message);
  } else {
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = std::string(message) + "\n";
  }
  answer(responder, std::move(response));
}

void HttpReceiver::handle(net::HttpRequest&& request, net::HttpResponder responder) {
  const auto signal = signal_of_path(request.path);
  if (!signal || !options_.signals.contains(*signal)) {
    fail(responder, 404, std::nullopt, kGrpcUnimplemented,
         fmt::format("no OTLP endpoint at {}", request.path));
    return;
  }
  const auto encoding = encoding_of_type(request.header("content-type"));
  if (request.method != "POST") {
    fail(responder, 405, encoding, kGrpcUnimplemented, "OTLP export requests must use POST",
         {{"Allow", "POST"}});
    return;
  }
  if (!auth_.check(request.header("authorization"))) {
    fail(responder, 401, encoding, kGrpcUnauthenticated,
         "missing or wrong bearer token (Authorization: Bearer <token>)",
         {{"WWW-Authenticate", "Bearer"}});
    return;
  }
  if (!encoding) {
    fail(responder, 415, std::nullopt, kGrpcInvalidArgument,
         "Content-Type must be application/x-protobuf or application/json");
    return;
  }
  const auto codec = codec_of(request.header("content-encoding"));
  if (!codec) {
    fail(responder, 415, encoding, kGrpcInvalidArgument,
         "Content-Encoding must be gzip, zstd or identity");
    return;
  }
  std::string body;
  if (*codec == net::Codec::kNone) {
    body = std::move(request.body);
  } else {
    // The bound holds while decompressing: a bomb fails at max_request_size, never allocating
    // past it.
    auto decompressed = net::decompress(*codec, request.body, options_.max_request_size);
    if (!decompressed) {
      if (decompressed.error().message.find("exceeds") != std::string::npos) {
        fail(responder, 413, encoding, kGrpcResourceExhausted,
             fmt::format("the decompressed body exceeds max_request_size ({} bytes)",
                         options_.max_request_size));
      } else {
        fail(responder, 400, encoding, kGrpcInvalidArgument,
             fmt::format("the body does not decompress: {}", decompressed.error().message));
      }
      return;
    }
    body = std::move(*decompressed);
    request.body = std::string();  // the compressed copy is no longer needed
  }

  std::weak_ptr<HttpReceiver*> weak = self_;
  processor_.process(
      *signal, *encoding, std::move(body),
      [weak, encoding = *encoding, responder = std::move(responder)](ExportResult result) mutable {
        auto self = weak.lock();
        if (!self) return;  // the receiver is gone: the responder's connection is closed too
        HttpReceiver& receiver = **self;
        switch (result.status) {
          case ExportStatus::kOk:
            receiver.answer(
                responder,
                net::HttpResponse{200,
                                  {{"Content-Type", std::string(content_type_of(encoding))}},
                                  std::move(result.body)});
            return;
          case ExportStatus::kInvalidArgument:
            receiver.fail(responder, 400, encoding, kGrpcInvalidArgument, result.message);
            return;
          case ExportStatus::kRefused:
            receiver.fail(responder, 429, encoding, kGrpcUnavailable, result.message,
                          {{"Retry-After", receiver.retry_after_seconds()}});
            return;
          case ExportStatus::kUnavailable:
            receiver.fail(responder, 503, encoding, kGrpcUnavailable, result.message,
                          {{"Retry-After", receiver.retry_after_seconds()}});
            return;
        }
      });
}

}  // namespace vigil::collectors::otlp
