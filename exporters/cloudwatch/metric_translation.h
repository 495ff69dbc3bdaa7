#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/error.h"
#include "exporters/cloudwatch/counter_state.h"
#include "exporters/cloudwatch/metric_datum.h"

namespace vigil::exporters::cloudwatch {

enum class CounterMode : std::uint8_t { kDelta, kRate };
enum class HistogramMode : std::uint8_t { kValues, kStatistics };
enum class ResolutionMode : std::uint8_t { kAuto, kStandard, kHigh };

struct TranslationOptions {
  // Attribute names that become dimensions, looked up in the point's attributes, then in its
  // resource's; absent or empty ones are left out.
  std::vector<std::string> dimensions;
  // The dimension that carries the resource's host.name ("" = none).
  std::string host_dimension = "host";
  CounterMode counter_mode = CounterMode::kDelta;
  HistogramMode histogram_mode = HistogramMode::kValues;
  // kAuto: StorageResolution 1 when the series' points come less than 60 s apart.
  ResolutionMode resolution = ResolutionMode::kAuto;
};

// Points not sent, by reason (each also a vigil_dropped_items_total reason), and points that
// only moved a counter's baseline.
struct TranslationStats {
  std::uint64_t points = 0;          // data points read
  std::uint64_t baselines = 0;       // first points of cumulative series (nothing to send yet)
  std::uint64_t resets = 0;          // counter resets (a new baseline)
  std::uint64_t empty = 0;           // intervals without observations or flagged "no value"
  std::uint64_t duplicates = 0;      // dropped: not newer than the series' last point
  std::uint64_t invalid = 0;         // dropped: NaN, infinite, beyond +-2^360, or no name
  std::uint64_t too_old = 0;         // dropped: more than 14 days old
  std::uint64_t too_new = 0;         // dropped: more than 2 hours ahead
  std::uint64_t dimensions_cut = 0;  // points that had dimensions left out to stay within 30
};

struct Translation {
  std::vector<MetricDatum> datums;
  // Cumulative points the counter state advanced to; commit them once the batch is settled.
  std::vector<SeriesUpdate> updates;
  TranslationStats stats;
};

// OTLP metrics to CloudWatch datums (README.md "Metric mapping"): gauges and non-monotonic sums
// as they are; monotonic cumulative sums as per-interval deltas (or rates) through the counter
// state; delta sums as they are; histograms (explicit and exponential; cumulative ones as
// deltas) as Values/Counts or a StatisticSet; summaries as one datum per quantile (dimension
// "quantile") plus `<name>.count` and `<name>.sum` deltas. Loop thread only.
class MetricTranslator {
 public:
  MetricTranslator(TranslationOptions options, CounterState& state);

  // `payload` is a serialized ExportMetricsServiceRequest; `now_ns` bounds timestamps.
  core::Result<Translation> translate(std::string_view payload, std::int64_t now_ns);

  // Forgets interval bookkeeping of series unseen for the counter state's reset_after.
  void expire(std::int64_t now_ns);

 private:
  struct Context;
  int resolution_for(const std::string& key, std::int64_t time_ns, double known_interval_s);

  TranslationOptions options_;
  CounterState& state_;
  // Last time of every non-cumulative series, for the automatic storage resolution.
  std::unordered_map<std::string, std::int64_t> last_seen_;
};

}  // namespace vigil::exporters::cloudwatch
