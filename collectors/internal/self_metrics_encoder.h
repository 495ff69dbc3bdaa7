#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/otlp/resource_info.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::collectors::internal {

// The UCUM unit a self-metric's name implies under the Prometheus naming convention the
// registry follows: "By" for *_bytes, "s" for *_seconds (either before a _total suffix),
// otherwise "1".
std::string_view unit_for(std::string_view metric_name);

struct EncodedMetrics {
  std::string payload;       // a serialized ExportMetricsServiceRequest
  std::uint64_t points = 0;  // data points in it
};

// Encodes registry samples as one ExportMetricsServiceRequest: one ResourceMetrics with
// `resource`, one ScopeMetrics with scope "vigil" at vigil's version, one Metric per name (in
// the order of first appearance) with the registry's help as description. Counters become
// cumulative monotonic Sums whose points start at `start_unix_nanos`; gauges become Gauges.
// Every point is a double at `time_unix_nanos`, each label a string attribute. No samples, no
// points (and an empty payload).
EncodedMetrics encode_self_metrics(const std::vector<telemetry::MetricSample>& samples,
                                   const otlp::ResourceInfo& resource,
                                   std::int64_t start_unix_nanos, std::int64_t time_unix_nanos);

}  // namespace vigil::collectors::internal
