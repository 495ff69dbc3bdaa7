#include "exporters/prometheus/prometheus_translation.h"

#include <bit>
#include <climits>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <google/protobuf/arena.h>

#include "exporters/prometheus/cumulative_state.h"
#include "exporters/prometheus/node_exporter_names.h"
#include "exporters/prometheus/otlp_metrics_reader.h"
#include "exporters/prometheus/otlp_request_check.h"
#include "exporters/prometheus/prometheus_labels.h"
#include "exporters/prometheus/prometheus_names.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::prometheus {

namespace {

namespace pb_collector = opentelemetry::proto::collector::metrics::v1;

constexpr std::uint32_t kNoRecordedValue = 1;  // DataPointFlags.NO_RECORDED_VALUE_MASK
// OpenTelemetry's valid exponential-histogram scales.
constexpr std::int32_t kMinScale = -10;
constexpr std::int32_t kMaxScale = 20;
// Standard names remembered from call to call (beyond it the memory starts over).
constexpr std::size_t kMaxCachedNames = 4096;

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

// A metric's family by the standard rules, with its sample names.
struct StandardNames {
  std::string name;
  std::string unit;
  std::string bucket;
  std::string sum;
  std::string count;
};

struct Family {
  std::string_view name;
  std::string_view help;
  std::string_view unit;
  MetricKind kind = MetricKind::kUnknown;
  FamilyView view() const { return {name, kind, help, unit}; }
};

struct TransparentHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct TransparentEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
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

// One translate() call's walk over the request bytes (otlp_metrics_reader.h), with buffers
// reused from call to call: once they have grown to a request's shape, translating requests of
// that shape allocates nothing (the sink aside).
struct Translator::Scratch {
  Scratch(const TranslationOptions& o, CumulativeState& c) : options(o), cumulative(c) {}

  const TranslationOptions& options;
  CumulativeState& cumulative;
  SampleSink* sink = nullptr;
  TranslationStats stats;

  OtlpRequestCheck check;
  std::string canonical;  // a request libprotobuf had to parse, serialized again
  LabelBuilder labels;
  std::string scratch_text;  // an attribute value's text when it is no string
  Family standard;           // the current metric by the standard rules
  const StandardNames* standard_names = nullptr;
  std::unordered_map<std::string, StandardNames, TransparentHash, TransparentEqual> names_cache;
  std::string node_name, node_help;  // the current point by the node_exporter table
  Family node;
  std::string bound_text, key, chooser_text;
  std::string service_name, service_namespace, job, instance;
  ScopeView scope;
  std::vector<KeyValueView> resource_attributes;
  bool resource_has_info = false;
  std::int64_t resource_latest_ms = 0;
  NumberPoint number;
  HistogramPoint histogram;
  ExponentialPoint exponential;
  SummaryPoint summary;
  std::vector<std::pair<double, std::uint64_t>> buckets;  // (le, cumulative count)

  void emit(const FamilyView& family, std::string_view sample_name,
            std::span<const LabelView> label_set, double value, std::int64_t ts_ms,
            std::int64_t start_ms) {
    sink->sample(family, sample_name, label_set, value, ts_ms, start_ms);
    ++stats.samples;
    resource_latest_ms = std::max(resource_latest_ms, ts_ms);
  }

  void resource(std::string_view resource) {
    job.clear();
    instance.clear();
    service_name.clear();
    service_namespace.clear();
    resource_has_info = false;
    resource_latest_ms = 0;
    read_key_values(resource, kResourceAttributes, resource_attributes);
    for (const KeyValueView& kv : resource_attributes) {
      const std::string_view text = any_value_text(kv.value, scratch_text);
      if (kv.key == kServiceName) {
        service_name = text;
      } else if (kv.key == kServiceNamespace) {
        service_namespace = text;
      } else if (kv.key == kServiceInstanceId) {
        instance = text;
      } else if (!kv.key.empty() && !text.empty()) {
        resource_has_info = true;
      }
    }
    if (!service_name.empty()) {
      if (!service_namespace.empty()) {
        job = service_namespace;
        job += '/';
      }
      job += service_name;
    }
  }

  void add_common_labels(bool with_scope) {
    if (options.job_instance_labels) {
      if (!job.empty()) labels.add("job", job, LabelPriority::kTranslator);
      if (!instance.empty()) labels.add("instance", instance, LabelPriority::kTranslator);
    }
    if (with_scope && options.scope_labels) {
      if (!scope.name.empty())
        labels.add("otel_scope_name", scope.name, LabelPriority::kTranslator);
      if (!scope.version.empty()) {
        labels.add("otel_scope_version", scope.version, LabelPriority::kTranslator);
      }
    }
    for (const auto& [name, value] : options.extra_labels) {
      labels.add(name, value, LabelPriority::kExternal);
    }
  }

  void add_attribute(const KeyValueView& kv) {
    labels.add_attribute(kv.key, any_value_text(kv.value, scratch_text));
  }

  // target_info{job, instance, other resource attributes} 1 at the resource's latest sample.
  void target_info() {
    if (!options.target_info || !resource_has_info || resource_latest_ms == 0) return;
    labels.clear();
    for (const KeyValueView& kv : resource_attributes) {
      if (!is_job_instance_key(kv.key)) add_attribute(kv);
    }
    add_common_labels(false);
    const FamilyView family{"target_info", MetricKind::kGauge, "Target metadata", ""};
    emit(family, family.name, labels.finish(), 1.0, resource_latest_ms, 0);
  }

  // The names of a metric by the standard rules, computed once per name, unit and suffix.
  const StandardNames& standard_names_of(const MetricView& metric, TypeSuffix suffix) {
    // suffix, unit length, unit, name: strings may hold any byte, so no separator would do.
    const auto unit_size = static_cast<std::uint32_t>(metric.unit.size());
    key.clear();
    key += static_cast<char>(suffix);
    key.append(reinterpret_cast<const char*>(&unit_size), sizeof unit_size);
    key += metric.unit;
    key += metric.name;
    if (auto it = names_cache.find(std::string_view(key)); it != names_cache.end()) {
      return it->second;
    }
    if (names_cache.size() >= kMaxCachedNames) names_cache.clear();
    StandardNames names;
    standard_metric_name(metric.name, metric.unit, suffix, names.name, names.unit);
    names.bucket = names.name + "_bucket";
    names.sum = names.name + "_sum";
    names.count = names.name + "_count";
    return names_cache.emplace(key, std::move(names)).first->second;
  }

  // The standard family of a metric; false when its name has nothing usable.
  bool standard_family(const MetricView& metric) {
    TypeSuffix suffix = TypeSuffix::kNone;
    switch (metric.data) {
      case MetricData::kGauge:
        standard.kind = MetricKind::kGauge;
        if (metric.unit == "1") suffix = TypeSuffix::kRatio;
        break;
      case MetricData::kSum:
        standard.kind = metric.monotonic ? MetricKind::kCounter : MetricKind::kGauge;
        if (metric.monotonic) suffix = TypeSuffix::kTotal;
        break;
      case MetricData::kHistogram:
      case MetricData::kExponentialHistogram:
        standard.kind = MetricKind::kHistogram;
        break;
      case MetricData::kSummary:
        standard.kind = MetricKind::kSummary;
        break;
      case MetricData::kNone:
        standard.kind = MetricKind::kUnknown;
        break;
    }
    standard_names = &standard_names_of(metric, suffix);
    standard.name = standard_names->name;
    standard.unit = standard_names->unit;
    standard.help = metric.description;
    return !standard.name.empty();
  }

  // Labels of a point by the standard rules.
  void standard_labels(const PointCommon& point) {
    labels.clear();
    for (const KeyValueView& kv : point.attributes) add_attribute(kv);
    add_common_labels(true);
  }

  // Family and labels of a point of a table metric; false when the table has no name for it.
  bool node_family_and_labels(const NodeExporterRow& row, const PointCommon& point) {
    const std::string* chooser = nullptr;
    if (!row.attribute.empty()) {
      for (const KeyValueView& kv : point.attributes) {
        if (kv.key != row.attribute) continue;
        chooser_text.clear();
        append_any_value_text(kv.value, chooser_text);
        chooser = &chooser_text;
        break;
      }
    }
    if (!node_exporter_name(row, chooser, node_name, node_help)) return false;
    node = {node_name, node_help, row.unit, row.kind};
    labels.clear();
    for (const KeyValueView& kv : point.attributes) {
      const NodeLabel mapped =
          node_exporter_label(row, kv.key, any_value_text(kv.value, scratch_text));
      if (mapped.skip) continue;
      if (mapped.renamed.empty()) {
        labels.add_attribute(kv.key, mapped.value);
      } else {
        labels.add_renamed(mapped.renamed, mapped.value, kv.key);
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

  void numbers(std::string_view body, bool delta, const NodeExporterRow* row, bool standard_ok) {
    for_each_message(body, kDataPoints, [&](std::string_view bytes) {
      read_number_point(bytes, number);
      ++stats.points;
      if (number.time_ns == 0) {
        ++stats.dropped_no_timestamp;
        return;
      }
      const Family* family = &standard;
      if (row == nullptr || !node_family_and_labels(*row, number)) {
        if (!standard_ok) {
          ++stats.dropped_invalid;
          return;
        }
        standard_labels(number);
      } else {
        family = &node;
      }
      const auto label_set = labels.finish();
      double value = number.value;
      std::uint64_t start_ns = number.start_ns;
      if ((number.flags & kNoRecordedValue) != 0) {
        value = stale_nan();
      } else if (delta) {
        if (!counted(cumulative.add_sum(series_key(family->name), start_ns, number.time_ns, value,
                                        value, start_ns))) {
          return;
        }
      }
      emit(family->view(), family->name, label_set, value, to_ms(number.time_ns), to_ms(start_ns));
    });
  }

  // _bucket (from `buckets`, then +Inf), _sum, _count of one histogram point.
  void emit_histogram(std::uint64_t count, double sum, bool has_sum, bool stale, std::int64_t ts_ms,
                      std::int64_t start_ms) {
    const FamilyView family = standard.view();
    for (const auto& [le, cumulative_count] : buckets) {
      bound_text.clear();
      append_label_double(le, bound_text);
      emit(family, standard_names->bucket, labels.with("le", bound_text),
           stale ? stale_nan() : static_cast<double>(cumulative_count), ts_ms, start_ms);
    }
    const double total = stale ? stale_nan() : static_cast<double>(count);
    emit(family, standard_names->bucket, labels.with("le", "+Inf"), total, ts_ms, start_ms);
    if (has_sum) {
      emit(family, standard_names->sum, labels.finish(), stale ? stale_nan() : sum, ts_ms,
           start_ms);
    }
    emit(family, standard_names->count, labels.finish(), total, ts_ms, start_ms);
  }

  // The start every histogram and summary point shares: counted; dropped (and counted) without
  // a timestamp or when `valid` is false; else its labels by the standard rules, without
  // `reserved` (the le or quantile label the translation sets).
  bool begin_point(const PointCommon& point, bool valid, std::string_view reserved) {
    ++stats.points;
    if (point.time_ns == 0) {
      ++stats.dropped_no_timestamp;
      return false;
    }
    if (!valid) {
      ++stats.dropped_invalid;
      return false;
    }
    standard_labels(point);
    labels.remove(reserved);
    labels.finish();
    return true;
  }

  void histograms(std::string_view body, bool delta) {
    for_each_message(body, kDataPoints, [&](std::string_view bytes) {
      read_histogram_point(bytes, histogram);
      if (!begin_point(histogram, valid_histogram(histogram.value), "le")) return;
      const HistogramValue* value = &histogram.value;
      std::uint64_t start_ns = histogram.start_ns;
      const bool stale = (histogram.flags & kNoRecordedValue) != 0;
      if (delta && !stale &&
          !counted(cumulative.add_histogram(series_key(standard.name), start_ns, histogram.time_ns,
                                            histogram.value, value, start_ns))) {
        return;
      }
      buckets.clear();
      std::uint64_t running = 0;
      for (std::size_t i = 0; i < value->bounds.size(); ++i) {
        running += value->counts[i];
        buckets.emplace_back(value->bounds[i], running);
      }
      emit_histogram(value->count, value->sum, value->has_sum, stale, to_ms(histogram.time_ns),
                     to_ms(start_ns));
    });
  }

  static bool valid_histogram(const HistogramValue& h) {
    if (h.bounds.empty()) return h.counts.size() <= 1;
    if (h.counts.size() != h.bounds.size() + 1) return false;
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
      if (std::isnan(h.bounds[i]) || (i > 0 && !(h.bounds[i] > h.bounds[i - 1]))) return false;
    }
    return true;
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

  void exponential_histograms(std::string_view body, bool delta) {
    for_each_message(body, kDataPoints, [&](std::string_view bytes) {
      read_exponential_point(bytes, exponential);
      const ExponentialHistogramValue& point = exponential.value;
      const bool valid = point.scale >= kMinScale && point.scale <= kMaxScale &&
                         point.zero_threshold >= 0 && !std::isinf(point.zero_threshold);
      if (!begin_point(exponential, valid, "le")) return;
      const ExponentialHistogramValue* value = &point;
      std::uint64_t start_ns = exponential.start_ns;
      const bool stale = (exponential.flags & kNoRecordedValue) != 0;
      if (delta && !stale &&
          !counted(cumulative.add_exponential(series_key(standard.name), start_ns,
                                              exponential.time_ns, point, value, start_ns))) {
        return;
      }
      exponential_buckets(*value);
      emit_histogram(value->count, value->sum, value->has_sum, stale, to_ms(exponential.time_ns),
                     to_ms(start_ns));
    });
  }

  void summaries(std::string_view body) {
    const FamilyView family = standard.view();
    for_each_message(body, kDataPoints, [&](std::string_view bytes) {
      read_summary_point(bytes, summary);
      if (!begin_point(summary, true, "quantile")) return;
      const bool stale = (summary.flags & kNoRecordedValue) != 0;
      const std::int64_t ts = to_ms(summary.time_ns);
      const std::int64_t start = to_ms(summary.start_ns);
      for (const auto& [quantile, value] : summary.quantiles) {
        bound_text.clear();
        append_label_double(quantile, bound_text);
        emit(family, standard.name, labels.with("quantile", bound_text),
             stale ? stale_nan() : value, ts, start);
      }
      emit(family, standard_names->sum, labels.finish(), stale ? stale_nan() : summary.sum, ts,
           start);
      emit(family, standard_names->count, labels.finish(),
           stale ? stale_nan() : static_cast<double>(summary.count), ts, start);
    });
  }

  void metric(std::string_view bytes) {
    const MetricView metric = read_metric(bytes);
    const bool standard_ok = standard_family(metric);
    switch (metric.data) {
      case MetricData::kGauge: {
        const NodeExporterRow* row = options.node_exporter_names
                                         ? find_node_exporter_row(metric.name, HostShape::kGauge)
                                         : nullptr;
        numbers(metric.body, false, row, standard_ok);
        return;
      }
      case MetricData::kSum: {
        const NodeExporterRow* row =
            options.node_exporter_names
                ? find_node_exporter_row(
                      metric.name, metric.monotonic ? HostShape::kCounter : HostShape::kUpDown)
                : nullptr;
        numbers(metric.body, metric.delta, row, standard_ok);
        return;
      }
      default:
        break;
    }
    if (!standard_ok) {
      const std::uint64_t points = count_data_points(metric.body);
      stats.points += points;
      stats.dropped_invalid += points;
      return;
    }
    switch (metric.data) {
      case MetricData::kHistogram:
        histograms(metric.body, metric.delta);
        return;
      case MetricData::kExponentialHistogram:
        exponential_histograms(metric.body, metric.delta);
        return;
      case MetricData::kSummary:
        summaries(metric.body);
        return;
      default:
        return;  // no data: nothing to translate or count
    }
  }

  void request(std::string_view request) {
    for_each_message(request, kRequestResourceMetrics, [&](std::string_view resource_metrics) {
      resource(last_message(resource_metrics, kResourceMetricsResource));
      for_each_message(resource_metrics, kResourceMetricsScopeMetrics,
                       [&](std::string_view scope_metrics) {
                         scope = read_scope(last_message(scope_metrics, kScopeMetricsScope));
                         for_each_message(scope_metrics, kScopeMetricsMetrics,
                                          [&](std::string_view m) { metric(m); });
                       });
      target_info();
    });
  }

  // The bytes to translate: the request itself when the check vouches for it, else what
  // libprotobuf makes of it (merged repeats, groups), serialized again; an error exactly when
  // ParseFromArray fails.
  core::Result<std::string_view> readable(std::string_view request) {
    if (check.check(request) == OtlpRequestCheck::Verdict::kDirect) return request;
    if (request.size() > static_cast<std::size_t>(INT_MAX)) {
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
    canonical.clear();
    if (!parsed->SerializeToString(&canonical)) {
      return core::make_error("metrics request too large to translate (" +
                              std::to_string(request.size()) + " bytes)");
    }
    return std::string_view(canonical);
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
  Scratch& s = *scratch_;
  auto bytes = s.readable(request);
  if (!bytes) return std::unexpected(bytes.error());
  s.sink = &sink;
  s.stats = {};
  s.request(*bytes);
  s.sink = nullptr;
  return s.stats;
}

}  // namespace vigil::exporters::prometheus
