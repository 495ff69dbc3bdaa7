#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "exporters/cloudwatch/log_batcher.h"
#include "exporters/cloudwatch/metric_datum.h"

namespace vigil::exporters::cloudwatch {

// EMF limits (PROTOCOLS.md 5.3).
inline constexpr std::size_t kMaxEmfMetricsPerDirective = 100;
inline constexpr std::size_t kMaxEmfValues = 100;

// Datums as Embedded Metric Format log events: datums with the same timestamp and dimensions
// share one event (one directive, at most 100 metrics), whose _aws header names the namespace,
// the one dimension set and each metric's unit and storage resolution. A single value is a
// number; Values/Counts become an array with each value repeated `count` times when that makes
// at most 100 numbers; other distributions become four metrics NAME.count, NAME.sum, NAME.min
// and NAME.max (EMF has no statistic sets). Events come out in timestamp order.
std::vector<LogEvent> build_emf_events(std::string_view namespace_name,
                                       std::span<const MetricDatum> datums);

}  // namespace vigil::exporters::cloudwatch
