#pragma once

// Builders of OTLP metric requests and a sink that records translated samples as text lines
// ("name{a=\"b\"} value @ts"), for the translation tests.

#include <bit>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporters/prometheus/prometheus_names.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::prometheus::testing {

namespace pb_collector = opentelemetry::proto::collector::metrics::v1;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;

using Attrs = std::vector<std::pair<std::string, std::string>>;

// 2023-11-14T22:13:20Z, a round number of milliseconds.
inline constexpr std::uint64_t kT0 = 1'700'000'000'000'000'000ULL;
inline constexpr std::uint64_t kSecond = 1'000'000'000ULL;
inline constexpr std::int64_t kT0Ms = 1'700'000'000'000;

inline void set_attrs(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out,
                      const Attrs& attrs) {
  for (const auto& [k, v] : attrs) {
    auto* kv = out->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
}

// One request with one resource and one scope; metrics are added with the helpers below.
class RequestBuilder {
 public:
  explicit RequestBuilder(const Attrs& resource = {}, std::string scope = "",
                          std::string scope_version = "") {
    auto* rm = request_.add_resource_metrics();
    set_attrs(rm->mutable_resource()->mutable_attributes(), resource);
    scope_ = rm->add_scope_metrics();
    scope_->mutable_scope()->set_name(std::move(scope));
    scope_->mutable_scope()->set_version(std::move(scope_version));
  }

  pb_metrics::Metric* metric(std::string name, std::string unit = "",
                             std::string description = "") {
    auto* m = scope_->add_metrics();
    m->set_name(std::move(name));
    m->set_unit(std::move(unit));
    m->set_description(std::move(description));
    return m;
  }

  pb_metrics::NumberDataPoint* gauge(const std::string& name, const std::string& unit,
                                     const Attrs& attrs, double value, std::uint64_t t = kT0) {
    auto* m = metric(name, unit);
    return number(m->mutable_gauge()->add_data_points(), attrs, value, 0, t);
  }

  // A cumulative (or delta) sum with one point.
  pb_metrics::NumberDataPoint* sum(const std::string& name, const std::string& unit,
                                   const Attrs& attrs, double value, bool monotonic = true,
                                   bool delta = false, std::uint64_t start = kT0 - 60 * kSecond,
                                   std::uint64_t t = kT0) {
    auto* s = metric(name, unit)->mutable_sum();
    s->set_is_monotonic(monotonic);
    s->set_aggregation_temporality(delta ? pb_metrics::AGGREGATION_TEMPORALITY_DELTA
                                         : pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    return number(s->add_data_points(), attrs, value, start, t);
  }

  static pb_metrics::NumberDataPoint* number(pb_metrics::NumberDataPoint* p, const Attrs& attrs,
                                             double value, std::uint64_t start, std::uint64_t t) {
    set_attrs(p->mutable_attributes(), attrs);
    p->set_as_double(value);
    p->set_start_time_unix_nano(start);
    p->set_time_unix_nano(t);
    return p;
  }

  pb_metrics::HistogramDataPoint* histogram(const std::string& name, const std::string& unit,
                                            const Attrs& attrs, std::vector<double> bounds,
                                            std::vector<std::uint64_t> counts, double sum,
                                            bool delta = false, std::uint64_t t = kT0,
                                            std::uint64_t start = kT0 - 60 * kSecond) {
    auto* h = metric(name, unit)->mutable_histogram();
    h->set_aggregation_temporality(delta ? pb_metrics::AGGREGATION_TEMPORALITY_DELTA
                                         : pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    auto* p = h->add_data_points();
    set_attrs(p->mutable_attributes(), attrs);
    std::uint64_t count = 0;
    for (auto c : counts) {
      p->add_bucket_counts(c);
      count += c;
    }
    for (auto b : bounds) p->add_explicit_bounds(b);
    p->set_count(count);
    p->set_sum(sum);
    p->set_start_time_unix_nano(start);
    p->set_time_unix_nano(t);
    return p;
  }

  pb_metrics::SummaryDataPoint* summary(const std::string& name, const std::string& unit,
                                        const Attrs& attrs,
                                        std::vector<std::pair<double, double>> quantiles,
                                        std::uint64_t count, double sum, std::uint64_t t = kT0) {
    auto* p = metric(name, unit)->mutable_summary()->add_data_points();
    set_attrs(p->mutable_attributes(), attrs);
    for (auto [q, v] : quantiles) {
      auto* qv = p->add_quantile_values();
      qv->set_quantile(q);
      qv->set_value(v);
    }
    p->set_count(count);
    p->set_sum(sum);
    p->set_start_time_unix_nano(kT0 - 60 * kSecond);
    p->set_time_unix_nano(t);
    return p;
  }

  pb_collector::ExportMetricsServiceRequest& request() { return request_; }
  std::string bytes() const { return request_.SerializeAsString(); }

 private:
  pb_collector::ExportMetricsServiceRequest request_;
  pb_metrics::ScopeMetrics* scope_ = nullptr;
};

struct RecordedSample {
  std::string family;
  MetricKind kind = MetricKind::kUnknown;
  std::string help;
  std::string unit;
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
  std::int64_t start_ms = 0;

  // name{a="b",c="d"} value (values printed with %.17g, stale as "stale").
  std::string line() const {
    std::string out = name;
    if (!labels.empty()) {
      out += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out += ',';
        out += labels[i].first + "=\"" + labels[i].second + "\"";
      }
      out += '}';
    }
    out += ' ';
    if (std::bit_cast<std::uint64_t>(value) == kStaleNaN) {
      out += "stale";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", value);
      out += buf;
    }
    return out;
  }
};

class RecordingSink final : public SampleSink {
 public:
  void sample(const FamilyView& family, std::string_view sample_name,
              std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
              std::int64_t start_timestamp_ms) override {
    RecordedSample s;
    s.family = family.name;
    s.kind = family.kind;
    s.help = family.help;
    s.unit = family.unit;
    s.name = sample_name;
    for (const auto& l : labels) s.labels.emplace_back(l.name, l.value);
    s.value = value;
    s.timestamp_ms = timestamp_ms;
    s.start_ms = start_timestamp_ms;
    samples.push_back(std::move(s));
  }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& s : samples) out.push_back(s.line());
    return out;
  }
  // Lines of samples whose name is not target_info.
  std::vector<std::string> metric_lines() const {
    std::vector<std::string> out;
    for (const auto& s : samples) {
      if (s.name != "target_info") out.push_back(s.line());
    }
    return out;
  }

  std::vector<RecordedSample> samples;
};

// The options of most tests: neither otel_scope_* labels nor target_info, so the lines are short.
inline TranslationOptions plain_options() {
  TranslationOptions options;
  options.scope_labels = false;
  options.target_info = false;
  return options;
}

// Translates `request` with `translator` into a fresh sink.
inline RecordingSink translate(Translator& translator, const RequestBuilder& request,
                               TranslationStats* stats = nullptr) {
  RecordingSink sink;
  auto result = translator.translate(request.bytes(), sink);
  if (result && stats != nullptr) *stats = *result;
  return sink;
}

}  // namespace vigil::exporters::prometheus::testing
