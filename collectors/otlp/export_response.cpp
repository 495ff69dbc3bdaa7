#include "collectors/otlp/export_response.h"

#include "agent/otlp/otlp_json.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::collectors::otlp {

namespace {

namespace collector = opentelemetry::proto::collector;

std::string encode(const google::protobuf::Message& message, Encoding encoding) {
  std::string out;
  if (encoding == Encoding::kJson) {
    vigil::otlp::append_otlp_json(message, out);
  } else {
    message.SerializeToString(&out);
  }
  return out;
}

template <typename Response>
std::string encode_partial(Encoding encoding, std::uint64_t rejected,
                           std::string_view error_message, auto set_rejected) {
  Response response;
  if (rejected > 0) {
    auto* partial = response.mutable_partial_success();
    set_rejected(*partial, static_cast<std::int64_t>(rejected));
    partial->set_error_message(std::string(error_message));
  }
  return encode(response, encoding);
}

}  // namespace

std::string encode_export_response(core::Signal signal, Encoding encoding, std::uint64_t rejected,
                                   std::string_view error_message) {
  switch (signal) {
    case core::Signal::kTraces:
      return encode_partial<collector::trace::v1::ExportTraceServiceResponse>(
          encoding, rejected, error_message,
          [](auto& p, std::int64_t n) { p.set_rejected_spans(n); });
    case core::Signal::kLogs:
      return encode_partial<collector::logs::v1::ExportLogsServiceResponse>(
          encoding, rejected, error_message,
          [](auto& p, std::int64_t n) { p.set_rejected_log_records(n); });
    case core::Signal::kMetrics:
      return encode_partial<collector::metrics::v1::ExportMetricsServiceResponse>(
          encoding, rejected, error_message,
          [](auto& p, std::int64_t n) { p.set_rejected_data_points(n); });
  }
  return {};
}

std::string encode_status(Encoding encoding, int code, std::string_view message) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(std::string(message));
  return encode(status, encoding);
}

std::string encode_status_with_retry(int code, std::string_view message, core::Duration delay) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(std::string(message));
  google::rpc::RetryInfo retry;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(delay);
  retry.mutable_retry_delay()->set_seconds(seconds.count());
  retry.mutable_retry_delay()->set_nanos(static_cast<std::int32_t>((delay - seconds).count()));
  status.add_details()->PackFrom(retry);
  return encode(status, Encoding::kProtobuf);
}

}  // namespace vigil::collectors::otlp
