#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/cloudwatch/metric_datum.h"
#include "exporters/cloudwatch/metric_translation.h"
#include "exporters/cloudwatch/otlp_values.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"

namespace vigil::exporters::cloudwatch {

// What one data point's datum has whatever the point's type: the series identity (counter
// state, storage resolution) and the datum's name, dimensions, timestamp and unit.
struct PointFrame {
  std::string key;
  MetricDatum datum;
};

// Builds frames for the points of one resource: dimensions by the allowlist (the point's
// attributes first, then the resource's), host dimension, CloudWatch's limits on names, values
// and times.
class FrameBuilder {
 public:
  FrameBuilder(const TranslationOptions& options, TranslationStats& stats, std::int64_t now_ns,
               const KeyValues& resource);

  // nullopt, counted in the stats, when the metric has no name or the time is out of
  // CloudWatch's range (14 days back, 2 hours ahead). `extra` is a dimension the point's type
  // adds (a summary's quantile); it comes first, so the 30-dimension cut never drops it.
  std::optional<PointFrame> frame(const opentelemetry::proto::metrics::v1::Metric& metric,
                                  std::string_view kind, const KeyValues& attributes,
                                  std::uint64_t time_ns, std::string_view unit,
                                  const Dimension* extra = nullptr) const;

 private:
  std::vector<Dimension> dimensions(const KeyValues& attributes, const Dimension* extra) const;

  const TranslationOptions& options_;
  TranslationStats& stats_;
  std::int64_t now_ns_;
  const KeyValues& resource_;
  std::string resource_key_;
  std::string host_;
};

// A dimension value as CloudWatch takes it: printable ASCII (others become '_'), at most 1024
// characters, not only spaces. Empty when nothing usable is left.
std::string dimension_value(std::string_view text);

// Attributes as "k=v" pairs sorted by key and joined: a stable identity for series keys.
std::string attributes_key(const KeyValues& attributes);

}  // namespace vigil::exporters::cloudwatch
