#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "agent/core/signal.h"

namespace vigil::core {

// One signal's items on their way through the pipeline, held as the serialized OTLP export
// request (ExportMetricsServiceRequest, ExportLogsServiceRequest or ExportTraceServiceRequest).
// Immutable once routed: every queue that takes it shares the same bytes.
struct Batch {
  Signal signal = Signal::kLogs;
  std::string payload;
  // Spans, log records or metric data points in `payload`.
  std::uint64_t items = 0;
  // Id of the component that produced it ("tail/app", "otlp"): what exporters' `from` matches.
  std::string source;
};

using BatchPtr = std::shared_ptr<const Batch>;

}  // namespace vigil::core
