#pragma once

#include <cstdint>
#include <string>

namespace opentelemetry::proto::collector {
namespace trace::v1 {
class ExportTraceServiceRequest;
}
namespace metrics::v1 {
class ExportMetricsServiceRequest;
}
namespace logs::v1 {
class ExportLogsServiceRequest;
}
}  // namespace opentelemetry::proto::collector

namespace vigil::collectors::otlp {

// What validating one export request found. Items are spans, log records or metric data
// points.
struct Validation {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::string reason;  // why the first rejected item was rejected; empty when none was
};

// Each removes the items a receiver must not forward, so one bad item does not cost its
// neighbours (they travel on, the rejected ones are reported in partial_success), and prunes
// the scopes and resources that their removal left empty. Only what the OTLP specification
// makes invalid is removed (README.md, "Validation"):
// - spans whose trace_id is not 16 bytes or is all zero, whose span_id is not 8 bytes or is
//   all zero, or whose parent_span_id is neither empty nor 8 bytes;
// - log records with a trace_id present but not 16 bytes or a span_id present but not 8 bytes
//   (both are optional: absent ids are fine);
// - no metric data points (the metrics protocol has no per-point id to get wrong, and a point
//   with a zero timestamp is still data the application sent).
Validation validate_request(
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);
Validation validate_request(
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request);
Validation validate_request(
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request);

}  // namespace vigil::collectors::otlp
