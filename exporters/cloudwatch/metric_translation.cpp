#include "exporters/cloudwatch/metric_translation.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "exporters/cloudwatch/datum_frame.h"
#include "exporters/cloudwatch/distribution.h"
#include "exporters/cloudwatch/unit_mapping.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::cloudwatch {

namespace {

namespace pb = opentelemetry::proto::metrics::v1;

constexpr std::int64_t kNanosPerMs = 1'000'000;
const double kMaxMagnitude = std::ldexp(1.0, 360);

// The top byte of SeriesPoint::shape: what kind of series it is (see counter_state.cpp).
constexpr std::uint64_t kShapeHistogram = 1ULL << 56;
constexpr std::uint64_t kShapeExponential = 2ULL << 56;
constexpr std::uint64_t kShapeSummary = 3ULL << 56;
constexpr std::uint64_t kShapeMask = (1ULL << 56) - 1;

bool finite_in_range(double v) { return std::isfinite(v) && std::fabs(v) <= kMaxMagnitude; }

double number_value(const pb::NumberDataPoint& p) {
  return p.value_case() == pb::NumberDataPoint::kAsInt ? static_cast<double>(p.as_int())
                                                       : p.as_double();
}

std::uint64_t bounds_shape(const google::protobuf::RepeatedField<double>& bounds) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the bounds' bytes
  for (double b : bounds) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&b);
    for (std::size_t i = 0; i < sizeof(double); ++i) h = (h ^ bytes[i]) * 1099511628211ULL;
  }
  return kShapeHistogram | (h & kShapeMask);
}

std::span<const double> bounds_of(const pb::HistogramDataPoint& p) {
  return {p.explicit_bounds().data(), static_cast<std::size_t>(p.explicit_bounds().size())};
}

template <typename Counts>
std::vector<double> to_doubles(const Counts& counts) {
  return std::vector<double>(counts.begin(), counts.end());
}

bool is_cumulative(pb::AggregationTemporality t) {
  return t == pb::AGGREGATION_TEMPORALITY_CUMULATIVE;
}

// start..time in seconds, 0 when the start is unknown.
template <typename Point>
double interval_of(const Point& p) {
  const std::uint64_t start = p.start_time_unix_nano();
  const std::uint64_t time = p.time_unix_nano();
  return start != 0 && time > start ? static_cast<double>(time - start) / 1e9 : 0.0;
}

// A distribution point's time, count and sum as the counter state keeps them.
template <typename Point>
SeriesPoint cumulative_point(const Point& p) {
  SeriesPoint s;
  s.start_ns = static_cast<std::int64_t>(p.start_time_unix_nano());
  s.time_ns = static_cast<std::int64_t>(p.time_unix_nano());
  s.value = p.sum();
  s.count = static_cast<double>(p.count());
  return s;
}

template <typename Point>
std::optional<double> min_of(const Point& p) {
  return p.has_min() ? std::optional(p.min()) : std::nullopt;
}
template <typename Point>
std::optional<double> max_of(const Point& p) {
  return p.has_max() ? std::optional(p.max()) : std::nullopt;
}

}  // namespace

// One request's translation: a method per metric type, sharing the output and the state.
struct MetricTranslator::Context {
  MetricTranslator& translator;
  Translation& out;
  const FrameBuilder& frames;
  const pb::Metric& metric;
  CloudWatchUnit unit;

  TranslationStats& stats() { return out.stats; }
  bool statistics() const {
    return translator.options_.histogram_mode == HistogramMode::kStatistics;
  }

  // The frame of a point that carries a value: nullopt (counted) when it cannot be sent or is
  // flagged "no recorded value".
  template <typename Point>
  std::optional<PointFrame> frame(const Point& p, std::string_view kind, std::string_view unit_name,
                                  const Dimension* extra = nullptr) {
    auto f = frames.frame(metric, kind, p.attributes(), p.time_unix_nano(), unit_name, extra);
    if (f && (p.flags() & pb::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0) {
      ++stats().empty;
      return std::nullopt;
    }
    return f;
  }

  void push_value(PointFrame& f, double value, double interval_s) {
    if (!finite_in_range(value)) {
      ++stats().invalid;
      return;
    }
    f.datum.kind = MetricDatum::Kind::kValue;
    f.datum.value = value;
    push(f, interval_s);
  }

  void push_distribution(PointFrame& f, bool filled, double interval_s) {
    if (!filled) {
      ++stats().empty;
      return;
    }
    const auto& s = f.datum.statistics;
    const bool finite =
        f.datum.kind == MetricDatum::Kind::kStatistics
            ? finite_in_range(s.sum) && finite_in_range(s.minimum) && finite_in_range(s.maximum)
            : std::all_of(f.datum.values.begin(), f.datum.values.end(), finite_in_range);
    if (!finite) {
      ++stats().invalid;
      return;
    }
    push(f, interval_s);
  }

  void push(PointFrame& f, double interval_s) {
    f.datum.storage_resolution =
        translator.resolution_for(f.key, f.datum.timestamp_ms * kNanosPerMs, interval_s);
    out.datums.push_back(std::move(f.datum));
  }

  // Advances a cumulative series; the delta, or nullopt (counted) when there is none to send.
  std::optional<DeltaResult> advance(const std::string& key, SeriesPoint point) {
    SeriesPoint kept = point;
    DeltaResult r = translator.state_.advance(key, std::move(point));
    switch (r.outcome) {
      case DeltaOutcome::kDuplicate:
        ++stats().duplicates;
        return std::nullopt;
      case DeltaOutcome::kBaseline:
        ++stats().baselines;
        break;
      case DeltaOutcome::kReset:
        ++stats().resets;
        break;
      case DeltaOutcome::kDelta:
        break;
    }
    out.updates.push_back({key, std::move(kept)});
    if (r.outcome != DeltaOutcome::kDelta) return std::nullopt;
    return r;
  }

  void gauge() {
    for (const auto& p : metric.gauge().data_points()) {
      if (auto f = frame(p, "g", unit.name)) push_value(*f, number_value(p) * unit.factor, 0);
    }
  }

  void sum() {
    const auto& sum = metric.sum();
    const bool cumulative = is_cumulative(sum.aggregation_temporality());
    const bool counter = sum.is_monotonic() && cumulative;
    const bool per_second =
        translator.options_.counter_mode == CounterMode::kRate && sum.is_monotonic();
    const std::string_view sent_unit = per_second ? rate_unit(unit.name) : unit.name;
    for (const auto& p : sum.data_points()) {
      auto f = frame(p, counter ? "c" : "s", sent_unit);
      if (!f) continue;
      if (!counter) {
        // Delta sums are already per interval; non-monotonic cumulative sums are levels.
        const double interval = cumulative ? 0 : interval_of(p);
        double v = number_value(p) * unit.factor;
        if (per_second && !cumulative) {
          if (interval > 0) {
            v /= interval;
          } else {
            f->datum.unit = unit.name;  // no interval known: the plain delta
          }
        }
        push_value(*f, v, interval);
        continue;
      }
      SeriesPoint point;
      point.start_ns = static_cast<std::int64_t>(p.start_time_unix_nano());
      point.time_ns = static_cast<std::int64_t>(p.time_unix_nano());
      point.value = number_value(p);
      auto delta = advance(f->key, std::move(point));
      if (!delta) continue;
      double v = delta->delta.value * unit.factor;
      if (per_second) v /= delta->elapsed_seconds;
      push_value(*f, v, delta->elapsed_seconds);
    }
  }

  void histogram() {
    const auto& h = metric.histogram();
    const bool cumulative = is_cumulative(h.aggregation_temporality());
    for (const auto& p : h.data_points()) {
      auto f = frame(p, "h", unit.name);
      if (!f) continue;
      if (!cumulative) {
        const auto counts = to_doubles(p.bucket_counts());
        const Distribution d{static_cast<double>(p.count()),
                             p.has_sum() ? std::optional(p.sum()) : std::nullopt,
                             min_of(p),
                             max_of(p),
                             bounds_of(p),
                             counts};
        push_distribution(*f, fill_distribution(d, statistics(), unit.factor, f->datum),
                          interval_of(p));
        continue;
      }
      SeriesPoint point = cumulative_point(p);
      point.shape = bounds_shape(p.explicit_bounds());
      point.buckets = to_doubles(p.bucket_counts());
      auto delta = advance(f->key, std::move(point));
      if (!delta) continue;
      // A cumulative point's min and max cover its whole life, not the interval: left out.
      const auto& dp = delta->delta;
      const Distribution d{dp.count,     p.has_sum() ? std::optional(dp.value) : std::nullopt,
                           std::nullopt, std::nullopt,
                           bounds_of(p), dp.buckets};
      push_distribution(*f, fill_distribution(d, statistics(), unit.factor, f->datum),
                        delta->elapsed_seconds);
    }
  }

  void exponential_histogram() {
    const auto& h = metric.exponential_histogram();
    const bool cumulative = is_cumulative(h.aggregation_temporality());
    for (const auto& p : h.data_points()) {
      auto f = frame(p, "e", unit.name);
      if (!f) continue;
      SeriesPoint point = cumulative_point(p);
      point.shape = kShapeExponential | static_cast<std::uint32_t>(p.scale());
      point.zero_count = static_cast<double>(p.zero_count());
      point.offset = p.positive().offset();
      point.buckets = to_doubles(p.positive().bucket_counts());
      point.negative_offset = p.negative().offset();
      point.negative_buckets = to_doubles(p.negative().bucket_counts());
      double interval = interval_of(p);
      std::optional<double> min = min_of(p);
      std::optional<double> max = max_of(p);
      if (cumulative) {
        auto delta = advance(f->key, std::move(point));
        if (!delta) continue;
        point = std::move(delta->delta);
        interval = delta->elapsed_seconds;
        min = max = std::nullopt;
      }
      const ExponentialDistribution d{point.count,
                                      p.has_sum() ? std::optional(point.value) : std::nullopt,
                                      min,
                                      max,
                                      p.scale(),
                                      point.zero_count,
                                      point.offset,
                                      point.buckets,
                                      point.negative_offset,
                                      point.negative_buckets};
      push_distribution(*f, fill_distribution(d, statistics(), unit.factor, f->datum), interval);
    }
  }

  void summary() {
    for (const auto& p : metric.summary().data_points()) {
      for (const auto& q : p.quantile_values()) {
        // "0.99": the shortest text that reads back as the same double.
        const Dimension quantile{"quantile", fmt::format("{}", q.quantile())};
        if (auto f = frame(p, "q", unit.name, &quantile)) {
          push_value(*f, q.value() * unit.factor, 0);
        }
      }
      auto f = frame(p, "m", unit.name);
      if (!f) continue;
      SeriesPoint point = cumulative_point(p);
      point.shape = kShapeSummary;
      auto delta = advance(f->key, std::move(point));
      if (!delta) continue;
      PointFrame count = *f;
      count.datum.name = (metric.name() + ".count").substr(0, kMaxMetricNameLength);
      count.datum.unit = "Count";
      push_value(count, delta->delta.count, delta->elapsed_seconds);
      f->datum.name = (metric.name() + ".sum").substr(0, kMaxMetricNameLength);
      push_value(*f, delta->delta.value * unit.factor, delta->elapsed_seconds);
    }
  }
};

MetricTranslator::MetricTranslator(TranslationOptions options, CounterState& state)
    : options_(std::move(options)), state_(state) {}

int MetricTranslator::resolution_for(const std::string& key, std::int64_t time_ns,
                                     double known_interval_s) {
  if (options_.resolution == ResolutionMode::kHigh) return 1;
  if (options_.resolution == ResolutionMode::kStandard) return 60;
  double interval = known_interval_s;
  if (!(interval > 0)) {
    auto [it, inserted] = last_seen_.try_emplace(key, time_ns);
    if (!inserted) {
      if (time_ns > it->second) interval = static_cast<double>(time_ns - it->second) / 1e9;
      it->second = std::max(it->second, time_ns);
    }
  }
  return interval > 0 && interval < 60 ? 1 : 60;
}

void MetricTranslator::expire(std::int64_t now_ns) {
  const std::int64_t oldest = now_ns - state_.reset_after().count();
  std::erase_if(last_seen_, [&](const auto& kv) { return kv.second < oldest; });
}

core::Result<Translation> MetricTranslator::translate(std::string_view payload,
                                                      std::int64_t now_ns) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
  if (!request.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return core::make_error("the batch is not a valid ExportMetricsServiceRequest");
  }
  Translation out;
  for (const auto& rm : request.resource_metrics()) {
    const FrameBuilder frames(options_, out.stats, now_ns, rm.resource().attributes());
    for (const auto& sm : rm.scope_metrics()) {
      for (const auto& metric : sm.metrics()) {
        Context c{*this, out, frames, metric, map_unit(metric.unit())};
        switch (metric.data_case()) {
          case pb::Metric::kGauge:
            c.gauge();
            break;
          case pb::Metric::kSum:
            c.sum();
            break;
          case pb::Metric::kHistogram:
            c.histogram();
            break;
          case pb::Metric::kExponentialHistogram:
            c.exponential_histogram();
            break;
          case pb::Metric::kSummary:
            c.summary();
            break;
          case pb::Metric::DATA_NOT_SET:
            break;
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::exporters::cloudwatch
