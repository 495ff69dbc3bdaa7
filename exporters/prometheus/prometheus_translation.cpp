#include "exporters/prometheus/prometheus_translation.h"

#include <bit>
#include <cmath>
#include <limits>

#include <google/protobuf/arena.h>

#include "exporters/prometheus/cumulative_state.h"
#include "exporters/prometheus/node_exporter_names.h"
#include "exporters/prometheus/prometheus_labels.h"
#include "exporters/prometheus/prometheus_names.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::prometheus {

namespace {

namespace pb_collector = opentelemetry::proto::collector::metrics::v1;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;
namespace pb_resource = opentelemetry::proto::resource::v1;
using Attributes = google::protobuf::RepeatedPtrField<pb_common::KeyValue>;

constexpr std::uint32_t kNoRecordedValue = 1;  // DataPointFlags.NO_RECORDED_VALUE_MASK
// OpenTelemetry's valid exponential-histogram scales.
constexpr std::int32_t kMinScale = -10;
constexpr std::int32_t kMaxScale = 20;

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceNamespace = "service.namespace";
constexpr std::string_view kServiceInstanceId = "service.instance.id";

double stale_nan() { return std::bit_cast<double>(kStaleNaN); }

std::int64_t to_ms(std::uint64_t unix_nanos) {
  return static_cast<std::int64_t>(unix_nanos / 1'000'000);
}

bool is_job_instance_key(std::string_view key) {
  return key == kServiceName || key == kServiceNamespace || key == kServiceInstanceId;
}

double number_value(const pb_metrics::NumberDataPoint& point) {
  if (point.value_case() == pb_metrics::NumberDataPoint::kAsInt) {
    return static_cast<double>(point.as_int());
  }
  return point.as_double();
}

// Upper bound of exponential bucket `index` at `scale`: base^(index+1), base = 2^(2^-scale).
double exponential_bound(std::int64_t index, std::int32_t scale) {
  if (scale <= 0) {
    const double exponent = static_cast<double>(index) * std::ldexp(1.0, -scale);
    if (exponent > 2000) return std::numeric_limits<double>::infinity();
    if (exponent < -2000) return 0.0;
    return std::ldexp(1.0, static_cast<int>(exponent));
  }
  return std::exp2(static_cast<double>(index) / std::ldexp(1.0, scale));
}

struct Family {
  std::string name;
  std::string help;
  std::string unit;
  MetricKind kind = MetricKind::kUnknown;
  FamilyView view() const { return {name, kind, help, unit}; }
};

}  // namespace

TranslationStats& TranslationStats::operator+=(const TranslationStats& o) {
  points += o.points;
  samples += o.samples;
  dropped_no_timestamp += o.dropped_no_timestamp;
  dropped_invalid += o.dropped_invalid;
  dropped_out_of_order += o.dropped_out_of_order;
  dropped_state_full += o.dropped_state_full;
  dropped_unsupported += o.dropped_unsupported;
  return *this;
}

// One translate() call's walk over the request, with buffers reused from call to call.
struct Translator::Scratch {
  Scratch(const TranslationOptions& o, CumulativeState& c) : options(o), cumulative(c) {}

  const TranslationOptions& options;
  CumulativeState& cumulative;
  SampleSink* sink = nullptr;
  TranslationStats stats;

  LabelBuilder labels;
  std::string text;  // an attribute value's text
  Family standard;   // the current metric by the standard rules
  Family node;       // the current point by the node_exporter table
  std::string bucket_name, sum_name, count_name, bound_text, key;
  std::string job, instance, scope_name, scope_version;
  bool resource_has_info = false;
  std::int64_t resource_latest_ms = 0;
  HistogramValue histogram;
  ExponentialHistogramValue exponential;
  std::vector<std::pair<double, std::uint64_t>> buckets;  // (le, cumulative count)

  void emit(const FamilyView& family, std::string_view sample_name,
            std::span<const LabelView> label_set, double value, std::int64_t ts_ms,
            std::int64_t start_ms) {
    sink->sample(family, sample_name, label_set, value, ts_ms, start_ms);
    ++stats.samples;
    resource_latest_ms = std::max(resource_latest_ms, ts_ms);
  }

  void resource(const pb_resource::Resource& resource) {
    job.clear();
    instance.clear();
    resource_has_info = false;
    resource_latest_ms = 0;
    std::string service_name;
    std::string service_namespace;
    for (const auto& kv : resource.attributes()) {
      text.clear();
      append_attribute_text(kv.value(), text);
      if (kv.key() == kServiceName) {
        service_name = text;
      } else if (kv.key() == kServiceNamespace) {
        service_namespace = text;
      } else if (kv.key() == kServiceInstanceId) {
        instance = text;
      } else if (!kv.key().empty() && !text.empty()) {
        resource_has_info = true;
      }
    }
    if (!service_name.empty()) {
      job = service_namespace.empty() ? service_name : service_namespace + "/" + service_name;
    }
  }

  void add_common_labels(bool with_scope) {
    if (options.job_instance_labels) {
      if (!job.empty()) labels.add("job", job, LabelPriority::kTranslator);
      if (!instance.empty()) labels.add("instance", instance, LabelPriority::kTranslator);
    }
    if (with_scope && options.scope_labels) {
      if (!scope_name.empty())
        labels.add("otel_scope_name", scope_name, LabelPriority::kTranslator);
      if (!scope_version.empty()) {
        labels.add("otel_scope_version", scope_version, LabelPriority::kTranslator);
      }
    }
    for (const auto& [name, value] : options.extra_labels) {
      labels.add(name, value, LabelPriority::kExternal);
    }
  }

  // target_info{job, instance, other resource attributes} 1 at the resource's latest sample.
  void target_info(const pb_resource::Resource& resource) {
    if (!options.target_info || !resource_has_info || resource_latest_ms == 0) return;
    labels.clear();
    for (const auto& kv : resource.attributes()) {
      if (is_job_instance_key(kv.key())) continue;
      labels.add_attribute(kv.key(), kv.value());
    }
    add_common_labels(false);
    const FamilyView family{"target_info", MetricKind::kGauge, "Target metadata", ""};
    emit(family, family.name, labels.finish(), 1.0, resource_latest_ms, 0);
  }

  // The standard family of a metric; false when its name has nothing usable.
  bool standard_family(const pb_metrics::Metric& metric) {
    TypeSuffix suffix = TypeSuffix::kNone;
    switch (metric.data_case()) {
      case pb_metrics::Metric::kGauge:
        standard.kind = MetricKind::kGauge;
        if (metric.unit() == "1") suffix = TypeSuffix::kRatio;
        break;
      case pb_metrics::Metric::kSum:
        standard.kind = metric.sum().is_monotonic() ? MetricKind::kCounter : MetricKind::kGauge;
        if (metric.sum().is_monotonic()) suffix = TypeSuffix::kTotal;
        break;
      case pb_metrics::Metric::kHistogram:
      case pb_metrics::Metric::kExponentialHistogram:
        standard.kind = MetricKind::kHistogram;
        break;
      case pb_metrics::Metric::kSummary:
        standard.kind = MetricKind::kSummary;
        break;
      default:
        standard.kind = MetricKind::kUnknown;
        break;
    }
    standard_metric_name(metric.name(), metric.unit(), suffix, standard.name, standard.unit);
    standard.help = metric.description();
    bucket_name = standard.name + "_bucket";
    sum_name = standard.name + "_sum";
    count_name = standard.name + "_count";
    return !standard.name.empty();
  }

  // Labels of a point by the standard rules.
  void standard_labels(const Attributes& attributes) {
    labels.clear();
    for (const auto& kv : attributes) labels.add_attribute(kv.key(), kv.value());
    add_common_labels(true);
  }

  // Family and labels of a point of a table metric; false when the table has no name for it.
  bool node_family_and_labels(const NodeExporterRow& row, const Attributes& attributes) {
    const std::string* chooser = nullptr;
    std::string chooser_text;
    if (!row.attribute.empty()) {
      for (const auto& kv : attributes) {
        if (kv.key() != row.attribute) continue;
        append_attribute_text(kv.value(), chooser_text);
        chooser = &chooser_text;
        break;
      }
    }
    if (!node_exporter_name(row, chooser, node.name, node.help)) return false;
    node.kind = row.kind;
    node.unit = row.unit;
    labels.clear();
    for (const auto& kv : attributes) {
      text.clear();
      append_attribute_text(kv.value(), text);
      const NodeLabel mapped = node_exporter_label(row, kv.key(), text);
      if (mapped.skip) continue;
      if (mapped.renamed.empty()) {
        labels.add_attribute(kv.key(), mapped.value);
      } else {
        labels.add_renamed(mapped.renamed, mapped.value, kv.key());
      }
    }
    add_common_labels(false);
    return true;
  }

  // The delta-state key of the finished label set under `family_name`.
  const std::string& series_key(std::string_view family_name) {
    key.assign(family_name);
    key += '\0';
    labels.append_identity(key);
    return key;
  }

  // False (and counted) when the point is dropped.
  bool counted(CumulativeState::Outcome outcome) {
    switch (outcome) {
      case CumulativeState::Outcome::kStarted:
      case CumulativeState::Outcome::kAccumulated:
        return true;
      case CumulativeState::Outcome::kOutOfOrder:
        ++stats.dropped_out_of_order;
        return false;
      case CumulativeState::Outcome::kFull:
        ++stats.dropped_state_full;
        return false;
    }
    return false;
  }

  void numbers(const google::protobuf::RepeatedPtrField<pb_metrics::NumberDataPoint>& points,
               bool delta, const NodeExporterRow* row, bool standard_ok) {
    for (const auto& point : points) {
      ++stats.points;
      if (point.time_unix_nano() == 0) {
        ++stats.dropped_no_timestamp;
        continue;
      }
      const Family* family = &standard;
      if (row == nullptr || !node_family_and_labels(*row, point.attributes())) {
        if (!standard_ok) {
          ++stats.dropped_invalid;
          continue;
        }
        standard_labels(point.attributes());
      } else {
        family = &node;
      }
      const auto label_set = labels.finish();
      double value = number_value(point);
      std::uint64_t start_ns = point.start_time_unix_nano();
      if ((point.flags() & kNoRecordedValue) != 0) {
        value = stale_nan();
      } else if (delta) {
        if (!counted(cumulative.add_sum(series_key(family->name), start_ns, point.time_unix_nano(),
                                        value, value, start_ns))) {
          continue;
        }
      }
      emit(family->view(), family->name, label_set, value, to_ms(point.time_unix_nano()),
           to_ms(start_ns));
    }
  }

  // _bucket (from `buckets`, then +Inf), _sum, _count of one histogram point.
  void emit_histogram(std::uint64_t count, double sum, bool has_sum, bool stale, std::int64_t ts_ms,
                      std::int64_t start_ms) {
    const FamilyView family = standard.view();
    for (const auto& [le, cumulative_count] : buckets) {
      bound_text.clear();
      append_label_double(le, bound_text);
      emit(family, bucket_name, labels.with("le", bound_text),
           stale ? stale_nan() : static_cast<double>(cumulative_count), ts_ms, start_ms);
    }
    const double total = stale ? stale_nan() : static_cast<double>(count);
    emit(family, bucket_name, labels.with("le", "+Inf"), total, ts_ms, start_ms);
    if (has_sum)
      emit(family, sum_name, labels.finish(), stale ? stale_nan() : sum, ts_ms, start_ms);
    emit(family, count_name, labels.finish(), total, ts_ms, start_ms);
  }

  // The start every histogram and summary point shares: counted; dropped (and counted) without
  // a timestamp or when `valid` is false; else its labels by the standard rules, without
  // `reserved` (the le or quantile label the translation sets).
  template <typename Point>
  bool begin_point(const Point& point, bool valid, std::string_view reserved) {
    ++stats.points;
    if (point.time_unix_nano() == 0) {
      ++stats.dropped_no_timestamp;
      return false;
    }
    if (!valid) {
      ++stats.dropped_invalid;
      return false;
    }
    standard_labels(point.attributes());
    labels.remove(reserved);
    labels.finish();
    return true;
  }

  void histograms(const pb_metrics::Histogram& data) {
    const bool delta = data.aggregation_temporality() == pb_metrics::AGGREGATION_TEMPORALITY_DELTA;
    for (const auto& point : data.data_points()) {
      if (!begin_point(point, valid_histogram(point), "le")) continue;
      histogram.bounds.assign(point.explicit_bounds().begin(), point.explicit_bounds().end());
      histogram.counts.assign(point.bucket_counts().begin(), point.bucket_counts().end());
      histogram.count = point.count();
      histogram.sum = point.sum();
      histogram.has_sum = point.has_sum();
      const HistogramValue* value = &histogram;
      std::uint64_t start_ns = point.start_time_unix_nano();
      const bool stale = (point.flags() & kNoRecordedValue) != 0;
      if (delta && !stale &&
          !counted(cumulative.add_histogram(series_key(standard.name), start_ns,
                                            point.time_unix_nano(), histogram, value, start_ns))) {
        continue;
      }
      buckets.clear();
      std::uint64_t running = 0;
      for (std::size_t i = 0; i < value->bounds.size(); ++i) {
        running += value->counts[i];
        buckets.emplace_back(value->bounds[i], running);
      }
      emit_histogram(value->count, value->sum, value->has_sum, stale, to_ms(point.time_unix_nano()),
                     to_ms(start_ns));
    }
  }

  static bool valid_histogram(const pb_metrics::HistogramDataPoint& point) {
    const auto& bounds = point.explicit_bounds();
    if (bounds.empty()) return point.bucket_counts().size() <= 1;
    if (point.bucket_counts().size() != bounds.size() + 1) return false;
    for (int i = 0; i < bounds.size(); ++i) {
      if (std::isnan(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) return false;
    }
    return true;
  }

  static void read_buckets(const pb_metrics::ExponentialHistogramDataPoint::Buckets& in,
                           ExponentialBuckets& out) {
    out.offset = in.offset();
    out.counts.assign(in.bucket_counts().begin(), in.bucket_counts().end());
  }

  // Classic buckets of an exponential histogram: negative buckets from the most negative, the
  // zero bucket, positive buckets; bounds that overflow to infinity fold into +Inf.
  void exponential_buckets(const ExponentialHistogramValue& h) {
    buckets.clear();
    std::uint64_t running = 0;
    auto add = [&](double le, std::uint64_t n) {
      running += n;
      if (std::isinf(le) && le > 0) return;
      if (!buckets.empty() && !(le > buckets.back().first)) {
        buckets.back().second = running;
        return;
      }
      buckets.emplace_back(le, running);
    };
    const auto& neg = h.negative;
    for (std::size_t i = neg.counts.size(); i-- > 0;) {
      add(-exponential_bound(static_cast<std::int64_t>(neg.offset) + static_cast<std::int64_t>(i),
                             h.scale),
          neg.counts[i]);
    }
    if (h.zero_count > 0 || !neg.counts.empty()) add(h.zero_threshold, h.zero_count);
    const auto& pos = h.positive;
    for (std::size_t i = 0; i < pos.counts.size(); ++i) {
      add(exponential_bound(
              static_cast<std::int64_t>(pos.offset) + static_cast<std::int64_t>(i) + 1, h.scale),
          pos.counts[i]);
    }
  }

  void exponential_histograms(const pb_metrics::ExponentialHistogram& data) {
    const bool delta = data.aggregation_temporality() == pb_metrics::AGGREGATION_TEMPORALITY_DELTA;
    for (const auto& point : data.data_points()) {
      const bool valid = point.scale() >= kMinScale && point.scale() <= kMaxScale &&
                         point.zero_threshold() >= 0 && !std::isinf(point.zero_threshold());
      if (!begin_point(point, valid, "le")) continue;
      exponential.scale = point.scale();
      exponential.zero_threshold = point.zero_threshold();
      exponential.zero_count = point.zero_count();
      read_buckets(point.positive(), exponential.positive);
      read_buckets(point.negative(), exponential.negative);
      exponential.count = point.count();
      exponential.sum = point.sum();
      exponential.has_sum = point.has_sum();
      const ExponentialHistogramValue* value = &exponential;
      std::uint64_t start_ns = point.start_time_unix_nano();
      const bool stale = (point.flags() & kNoRecordedValue) != 0;
      if (delta && !stale &&
          !counted(cumulative.add_exponential(series_key(standard.name), start_ns,
                                              point.time_unix_nano(), exponential, value,
                                              start_ns))) {
        continue;
      }
      exponential_buckets(*value);
      emit_histogram(value->count, value->sum, value->has_sum, stale, to_ms(point.time_unix_nano()),
                     to_ms(start_ns));
    }
  }

  void summaries(const pb_metrics::Summary& data) {
    const FamilyView family = standard.view();
    for (const auto& point : data.data_points()) {
      if (!begin_point(point, true, "quantile")) continue;
      const bool stale = (point.flags() & kNoRecordedValue) != 0;
      const std::int64_t ts = to_ms(point.time_unix_nano());
      const std::int64_t start = to_ms(point.start_time_unix_nano());
      for (const auto& q : point.quantile_values()) {
        bound_text.clear();
        append_label_double(q.quantile(), bound_text);
        emit(family, standard.name, labels.with("quantile", bound_text),
             stale ? stale_nan() : q.value(), ts, start);
      }
      emit(family, sum_name, labels.finish(), stale ? stale_nan() : point.sum(), ts, start);
      emit(family, count_name, labels.finish(),
           stale ? stale_nan() : static_cast<double>(point.count()), ts, start);
    }
  }

  void metric(const pb_metrics::Metric& metric) {
    const bool standard_ok = standard_family(metric);
    switch (metric.data_case()) {
      case pb_metrics::Metric::kGauge: {
        const NodeExporterRow* row = options.node_exporter_names
                                         ? find_node_exporter_row(metric.name(), HostShape::kGauge)
                                         : nullptr;
        numbers(metric.gauge().data_points(), false, row, standard_ok);
        return;
      }
      case pb_metrics::Metric::kSum: {
        const auto& sum = metric.sum();
        const NodeExporterRow* row =
            options.node_exporter_names
                ? find_node_exporter_row(
                      metric.name(), sum.is_monotonic() ? HostShape::kCounter : HostShape::kUpDown)
                : nullptr;
        const bool delta =
            sum.aggregation_temporality() == pb_metrics::AGGREGATION_TEMPORALITY_DELTA;
        numbers(sum.data_points(), delta, row, standard_ok);
        return;
      }
      default:
        break;
    }
    if (!standard_ok) {
      stats.points += point_count(metric);
      stats.dropped_invalid += point_count(metric);
      return;
    }
    switch (metric.data_case()) {
      case pb_metrics::Metric::kHistogram:
        histograms(metric.histogram());
        return;
      case pb_metrics::Metric::kExponentialHistogram:
        exponential_histograms(metric.exponential_histogram());
        return;
      case pb_metrics::Metric::kSummary:
        summaries(metric.summary());
        return;
      default:
        return;  // no data: nothing to translate or count
    }
  }

  static std::uint64_t point_count(const pb_metrics::Metric& metric) {
    switch (metric.data_case()) {
      case pb_metrics::Metric::kGauge:
        return metric.gauge().data_points_size();
      case pb_metrics::Metric::kSum:
        return metric.sum().data_points_size();
      case pb_metrics::Metric::kHistogram:
        return metric.histogram().data_points_size();
      case pb_metrics::Metric::kExponentialHistogram:
        return metric.exponential_histogram().data_points_size();
      case pb_metrics::Metric::kSummary:
        return metric.summary().data_points_size();
      default:
        return 0;
    }
  }

  void request(const pb_collector::ExportMetricsServiceRequest& request) {
    for (const auto& resource_metrics : request.resource_metrics()) {
      resource(resource_metrics.resource());
      for (const auto& scope_metrics : resource_metrics.scope_metrics()) {
        scope_name = scope_metrics.scope().name();
        scope_version = scope_metrics.scope().version();
        for (const auto& m : scope_metrics.metrics()) metric(m);
      }
      target_info(resource_metrics.resource());
    }
  }
};

Translator::Translator(TranslationOptions options)
    : options_(std::move(options)),
      cumulative_(
          std::make_unique<CumulativeState>(options_.delta_state_ttl, options_.max_delta_series)),
      scratch_(std::make_unique<Scratch>(options_, *cumulative_)) {}

Translator::~Translator() = default;

std::size_t Translator::delta_series() const { return cumulative_->size(); }

core::Result<TranslationStats> Translator::translate(std::string_view request, SampleSink& sink) {
  if (request.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return core::make_error("metrics request too large to parse (" +
                            std::to_string(request.size()) + " bytes)");
  }
  google::protobuf::Arena arena;
  auto* parsed =
      google::protobuf::Arena::CreateMessage<pb_collector::ExportMetricsServiceRequest>(&arena);
  if (!parsed->ParseFromArray(request.data(), static_cast<int>(request.size()))) {
    return core::make_error("not a valid ExportMetricsServiceRequest (" +
                            std::to_string(request.size()) + " bytes)");
  }
  Scratch& s = *scratch_;
  s.sink = &sink;
  s.stats = {};
  s.request(*parsed);
  s.sink = nullptr;
  return s.stats;
}

}  // namespace vigil::exporters::prometheus
