#pragma once

// Builders of OTLP export requests and helpers that look at requests item by item, for the OTLP
// exporter's tests.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "agent/core/signal.h"
#include "agent/otlp/item_split.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::exporters::otlp_exporter::otlp_export_test {

namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

inline void add_attribute(google::protobuf::RepeatedPtrField<common::KeyValue>* out,
                          std::string key, std::string value) {
  auto* kv = out->Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}

// `resources` resources x `scopes` scopes x `records` log records, bodies of `body_bytes`
// bytes; every record is distinct (its body starts with its position).
inline ExportLogsServiceRequest logs_request(int resources, int scopes, int records,
                                             std::size_t body_bytes = 40) {
  ExportLogsServiceRequest request;
  for (int r = 0; r < resources; ++r) {
    auto* rl = request.add_resource_logs();
    add_attribute(rl->mutable_resource()->mutable_attributes(), "service.name",
                  "service-" + std::to_string(r));
    add_attribute(rl->mutable_resource()->mutable_attributes(), "host.name", "web-1");
    rl->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    for (int s = 0; s < scopes; ++s) {
      auto* sl = rl->add_scope_logs();
      sl->mutable_scope()->set_name("scope-" + std::to_string(s));
      sl->mutable_scope()->set_version("1.0");
      sl->set_schema_url("https://example.com/scope");
      for (int i = 0; i < records; ++i) {
        auto* record = sl->add_log_records();
        record->set_time_unix_nano(1'700'000'000'000'000'000 + static_cast<std::uint64_t>(i));
        record->set_severity_number(logs::SEVERITY_NUMBER_INFO);
        std::string body =
            std::to_string(r) + "/" + std::to_string(s) + "/" + std::to_string(i) + " ";
        body.resize(std::max(body.size(), body_bytes), 'x');
        record->mutable_body()->set_string_value(body);
        add_attribute(record->mutable_attributes(), "log.file.path", "/var/log/app.log");
      }
    }
  }
  return request;
}

inline ExportTraceServiceRequest traces_request(int resources, int spans) {
  ExportTraceServiceRequest request;
  for (int r = 0; r < resources; ++r) {
    auto* rs = request.add_resource_spans();
    add_attribute(rs->mutable_resource()->mutable_attributes(), "service.name",
                  "svc-" + std::to_string(r));
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("tracer");
    for (int i = 0; i < spans; ++i) {
      auto* span = ss->add_spans();
      span->set_trace_id(std::string(15, '\x01') + static_cast<char>(i + 1));
      span->set_span_id(std::string(7, '\x02') + static_cast<char>(r + 1));
      span->set_name("span-" + std::to_string(i));
      span->set_kind(trace::Span::SPAN_KIND_SERVER);
      span->set_start_time_unix_nano(1'700'000'000'000'000'000);
      span->set_end_time_unix_nano(1'700'000'000'500'000'000);
    }
  }
  return request;
}

// One resource, one scope, one metric of each type with `points` data points each.
inline ExportMetricsServiceRequest metrics_request(int points) {
  ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  add_attribute(rm->mutable_resource()->mutable_attributes(), "host.name", "web-1");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("host");
  auto point_attrs = [](auto* point, int i) {
    add_attribute(point->mutable_attributes(), "cpu", std::to_string(i));
    point->set_time_unix_nano(1'700'000'000'000'000'000 + static_cast<std::uint64_t>(i));
  };
  auto* gauge = sm->add_metrics();
  gauge->set_name("system.memory.usage");
  gauge->set_unit("By");
  for (int i = 0; i < points; ++i) {
    auto* p = gauge->mutable_gauge()->add_data_points();
    point_attrs(p, i);
    p->set_as_int(i * 1000);
  }
  auto* sum = sm->add_metrics();
  sum->set_name("system.cpu.time");
  sum->set_description("CPU time");
  sum->set_unit("s");
  sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->mutable_sum()->set_is_monotonic(true);
  for (int i = 0; i < points; ++i) {
    auto* p = sum->mutable_sum()->add_data_points();
    point_attrs(p, i);
    p->set_as_double(i * 0.5);
  }
  auto* histogram = sm->add_metrics();
  histogram->set_name("http.server.duration");
  histogram->mutable_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_DELTA);
  for (int i = 0; i < points; ++i) {
    auto* p = histogram->mutable_histogram()->add_data_points();
    point_attrs(p, i);
    p->set_count(3);
    p->set_sum(1.5);
    for (double bound : {0.0, 5.0, 10.0}) p->add_explicit_bounds(bound);
    for (int c : {1, 1, 1, 0}) p->add_bucket_counts(static_cast<std::uint64_t>(c));
  }
  auto* exponential = sm->add_metrics();
  exponential->set_name("latency");
  exponential->mutable_exponential_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  for (int i = 0; i < points; ++i) {
    auto* p = exponential->mutable_exponential_histogram()->add_data_points();
    point_attrs(p, i);
    p->set_count(2);
    p->set_scale(3);
    p->mutable_positive()->set_offset(-2);
    p->mutable_positive()->add_bucket_counts(2);
  }
  auto* summary = sm->add_metrics();
  summary->set_name("rpc.duration");
  for (int i = 0; i < points; ++i) {
    auto* p = summary->mutable_summary()->add_data_points();
    point_attrs(p, i);
    p->set_count(10);
    p->set_sum(2.5);
    auto* q = p->add_quantile_values();
    q->set_quantile(0.99);
    q->set_value(0.3);
  }
  return request;
}

// Each item of a serialized request as its own serialized single-item request, in order.
inline std::vector<std::string> items_of(core::Signal signal, std::string_view payload) {
  std::vector<std::string> out;
  auto count = vigil::otlp::for_each_item(
      signal, payload, [&](const auto& single) { out.push_back(single.SerializeAsString()); });
  EXPECT_TRUE(count.has_value()) << (count ? "" : count.error().message);
  return out;
}

}  // namespace vigil::exporters::otlp_exporter::otlp_export_test
