#include "collectors/otlp/grpc_receiver.h"

#include <optional>

#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::collectors::otlp {

namespace {

std::optional<core::Signal> signal_of_method(std::string_view path) {
  if (path == "/opentelemetry.proto.collector.trace.v1.TraceService/Export") {
    return core::Signal::kTraces;
  }
  if (path == "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") {
    return core::Signal::kMetrics;
  }
  if (path == "/opentelemetry.proto.collector.logs.v1.LogsService/Export") {
    return core::Signal::kLogs;
  }
  return std::nullopt;
}

std::string_view code_name(int code) {
  switch (code) {
    case kGrpcOk:
      return "OK";
    case kGrpcInvalidArgument:
      return "INVALID_ARGUMENT";
    case kGrpcResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case kGrpcUnimplemented:
      return "UNIMPLEMENTED";
    case kGrpcInternal:
      return "INTERNAL";
    case kGrpcUnavailable:
      return "UNAVAILABLE";
    case kGrpcUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

GrpcReceiver::GrpcReceiver(uv_loop_t* loop, GrpcReceiverOptions options, const BearerAuth& auth,
                           RequestProcessor& processor, telemetry::MetricsRegistry& metrics,
                           telemetry::Logger& logger)
    : options_(std::move(options)),
      auth_(auth),
      processor_(processor),
      metrics_(metrics),
      server_(
          loop,
          net::GrpcServerOptions{
              .listen = options_.listen,
              .max_message_bytes = options_.max_message_bytes,
              .name = options_.component,
          },
          [this](net::GrpcRequest&& request, net::GrpcResponder responder) {
            handle(std::move(request), std::move(responder));
          },
          logger) {}

core::Result<void> GrpcReceiver::listen() { return server_.listen(); }

void GrpcReceiver::answer(net::GrpcResponder& responder, net::GrpcResponse response) {
  auto& counter = requests_by_code_[response.code];
  if (counter == nullptr) {
    counter = &metrics_.counter("vigil_otlp_requests_total",
                                "OTLP export requests answered, by transport and status.",
                                {{"component", options_.component},
                                 {"transport", "grpc"},
                                 {"status", std::string(code_name(response.code))}});
  }
  counter->add();
  responder.send(std::move(response));
}

net::GrpcResponse GrpcReceiver::unavailable(std::string message) const {
  net::GrpcResponse response;
  response.code = kGrpcUnavailable;
  response.status_details =
      encode_status_with_retry(kGrpcUnavailable, message, options_.retry_after);
  response.message = std::move(message);
  return response;
}

void GrpcReceiver::handle(net::GrpcRequest&& request, net::GrpcResponder responder) {
  const auto signal = signal_of_method(request.path);
  if (!signal || !options_.signals.contains(*signal)) {
    net::GrpcResponse response;
    response.code = kGrpcUnimplemented;
    response.message = fmt::format("unknown method {}", request.path);
    answer(responder, std::move(response));
    return;
  }
  if (!auth_.check(request.header("authorization"))) {
    net::GrpcResponse response;
    response.code = kGrpcUnauthenticated;
    response.message = "missing or wrong bearer token (authorization: Bearer <token>)";
    answer(responder, std::move(response));
    return;
  }
  std::weak_ptr<GrpcReceiver*> weak = self_;
  processor_.process(*signal, Encoding::kProtobuf, std::move(request.message),
                     [weak, responder = std::move(responder)](ExportResult result) mutable {
                       auto self = weak.lock();
                       if (!self)
                         return;  // the receiver is gone, and with it the call's connection
                       GrpcReceiver& receiver = **self;
                       net::GrpcResponse response;
                       switch (result.status) {
                         case ExportStatus::kOk:
                           response.code = kGrpcOk;
                           response.body = std::move(result.body);
                           break;
                         case ExportStatus::kInvalidArgument:
                           response.code = kGrpcInvalidArgument;
                           response.message = std::move(result.message);
                           break;
                         case ExportStatus::kRefused:
                         case ExportStatus::kUnavailable:
                           response = receiver.unavailable(std::move(result.message));
                           break;
                       }
                       receiver.answer(responder, std::move(response));
                     });
}

}  // namespace vigil::collectors::otlp
