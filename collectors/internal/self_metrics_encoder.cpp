#include "collectors/internal/self_metrics_encoder.h"

#include <unordered_map>

#include <google/protobuf/arena.h>

#include "agent/otlp/resource.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "vigil/version.h"

namespace vigil::collectors::internal {

namespace {

namespace pb_collector = opentelemetry::proto::collector::metrics::v1;
namespace pb = opentelemetry::proto::metrics::v1;

constexpr std::string_view kScopeName = "vigil";

void fill_point(const telemetry::MetricSample& sample, std::int64_t start_unix_nanos,
                std::int64_t time_unix_nanos, pb::NumberDataPoint* point) {
  if (start_unix_nanos > 0)
    point->set_start_time_unix_nano(static_cast<std::uint64_t>(start_unix_nanos));
  point->set_time_unix_nano(static_cast<std::uint64_t>(time_unix_nanos));
  point->set_as_double(sample.value);
  point->mutable_attributes()->Reserve(static_cast<int>(sample.labels.size()));
  for (const auto& [key, value] : sample.labels) {
    auto* kv = point->add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
  }
}

}  // namespace

std::string_view unit_for(std::string_view metric_name) {
  std::string_view base = metric_name;
  if (base.ends_with("_total")) base.remove_suffix(6);
  if (base.ends_with("_bytes")) return "By";
  if (base.ends_with("_seconds")) return "s";
  return "1";
}

EncodedMetrics encode_self_metrics(const std::vector<telemetry::MetricSample>& samples,
                                   const otlp::ResourceInfo& resource,
                                   std::int64_t start_unix_nanos, std::int64_t time_unix_nanos) {
  EncodedMetrics out;
  if (samples.empty()) return out;

  google::protobuf::Arena arena;
  auto* request =
      google::protobuf::Arena::CreateMessage<pb_collector::ExportMetricsServiceRequest>(&arena);
  auto* resource_metrics = request->add_resource_metrics();
  otlp::fill_resource(resource, resource_metrics->mutable_resource());
  auto* scope_metrics = resource_metrics->add_scope_metrics();
  scope_metrics->mutable_scope()->set_name(std::string(kScopeName));
  scope_metrics->mutable_scope()->set_version(vigil::kVersion);

  // collect() groups samples by name already; the map keeps one Metric per name even if a
  // caller passes them unsorted.
  std::unordered_map<std::string_view, pb::Metric*> by_name;
  for (const auto& sample : samples) {
    pb::Metric*& metric = by_name[sample.name];
    if (metric == nullptr) {
      metric = scope_metrics->add_metrics();
      metric->set_name(sample.name);
      metric->set_description(sample.help);
      metric->set_unit(std::string(unit_for(sample.name)));
      if (sample.type == telemetry::MetricSample::Type::kCounter) {
        auto* sum = metric->mutable_sum();
        sum->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
        sum->set_is_monotonic(true);
      } else {
        metric->mutable_gauge();
      }
    }
    if (metric->has_sum()) {
      fill_point(sample, start_unix_nanos, time_unix_nanos,
                 metric->mutable_sum()->add_data_points());
    } else {
      fill_point(sample, 0, time_unix_nanos, metric->mutable_gauge()->add_data_points());
    }
    ++out.points;
  }
  request->SerializeToString(&out.payload);
  return out;
}

}  // namespace vigil::collectors::internal
