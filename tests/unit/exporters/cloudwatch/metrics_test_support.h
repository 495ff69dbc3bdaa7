#pragma once

#include <string>
#include <utility>
#include <vector>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::cloudwatch::testing {

namespace pb = opentelemetry::proto::metrics::v1;
using Request = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using Attributes = std::vector<std::pair<std::string, std::string>>;

inline void set_attributes(
    google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>* out,
    const Attributes& attributes) {
  for (const auto& [k, v] : attributes) {
    auto* kv = out->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  }
}

// A request with one resource (host.name = host, plus `resource`) and one empty scope.
inline pb::ScopeMetrics* new_scope(Request& request, const std::string& host = "web-1",
                                   const Attributes& resource = {}) {
  auto* rm = request.add_resource_metrics();
  Attributes all = resource;
  all.insert(all.begin(), {"host.name", host});
  set_attributes(rm->mutable_resource()->mutable_attributes(), all);
  return rm->add_scope_metrics();
}

inline pb::Metric* add_metric(pb::ScopeMetrics* scope, const std::string& name,
                              const std::string& unit) {
  auto* m = scope->add_metrics();
  m->set_name(name);
  m->set_unit(unit);
  return m;
}

inline pb::NumberDataPoint* add_number(
    google::protobuf::RepeatedPtrField<pb::NumberDataPoint>* points, std::uint64_t start,
    std::uint64_t time, double value, const Attributes& attributes = {}) {
  auto* p = points->Add();
  p->set_start_time_unix_nano(start);
  p->set_time_unix_nano(time);
  p->set_as_double(value);
  set_attributes(p->mutable_attributes(), attributes);
  return p;
}

// One cumulative monotonic counter point.
inline std::string counter_request(const std::string& name, std::uint64_t start, std::uint64_t time,
                                   double value, const Attributes& attributes = {},
                                   const std::string& unit = "By") {
  Request request;
  auto* sum = add_metric(new_scope(request), name, unit)->mutable_sum();
  sum->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->set_is_monotonic(true);
  add_number(sum->mutable_data_points(), start, time, value, attributes);
  return request.SerializeAsString();
}

inline std::string gauge_request(const std::string& name, std::uint64_t time, double value,
                                 const Attributes& attributes = {}, const std::string& unit = "1") {
  Request request;
  auto* gauge = add_metric(new_scope(request), name, unit)->mutable_gauge();
  add_number(gauge->mutable_data_points(), 0, time, value, attributes);
  return request.SerializeAsString();
}

}  // namespace vigil::exporters::cloudwatch::testing
