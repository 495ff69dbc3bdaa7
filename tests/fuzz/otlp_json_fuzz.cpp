// OTLP/JSON request bodies (the receiver's application/json path): decoding must not crash,
// and whatever decodes must survive the encoder and decode again to the same message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "agent/otlp/otlp_json.h"
#include "agent/otlp/otlp_json_decode.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

namespace {

template <typename Request>
void check(std::string_view json) {
  Request request;
  if (!vigil::otlp::parse_otlp_json(json, request)) return;
  std::string encoded;
  vigil::otlp::append_otlp_json(request, encoded);
  Request again;
  if (!vigil::otlp::parse_otlp_json(encoded, again)) __builtin_trap();
  if (again.SerializeAsString() != request.SerializeAsString()) __builtin_trap();
}

}  // namespace

// The first byte selects the request type (0 traces, 1 logs, 2 metrics, modulo 3).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace opentelemetry::proto::collector;
  switch (data[0] % 3) {
    case 0:
      check<trace::v1::ExportTraceServiceRequest>(json);
      break;
    case 1:
      check<logs::v1::ExportLogsServiceRequest>(json);
      break;
    default:
      check<metrics::v1::ExportMetricsServiceRequest>(json);
      break;
  }
  return 0;
}
