#include "collectors/internal/self_metrics_encoder.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "vigil/version.h"

namespace vigil::collectors::internal {
namespace {

namespace pb = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using Type = telemetry::MetricSample::Type;

TEST(SelfMetricsEncoder, UnitsFollowTheNameSuffix) {
  EXPECT_EQ(unit_for("vigil_sent_bytes_total"), "By");
  EXPECT_EQ(unit_for("process_resident_memory_bytes"), "By");
  EXPECT_EQ(unit_for("process_cpu_seconds_total"), "s");
  EXPECT_EQ(unit_for("vigil_export_latency_seconds"), "s");
  EXPECT_EQ(unit_for("vigil_dropped_items_total"), "1");
  EXPECT_EQ(unit_for("vigil_bytes_in_flight"), "1");  // "bytes" not as the suffix
  EXPECT_EQ(unit_for("process_open_fds"), "1");
}

TEST(SelfMetricsEncoder, NoSamplesNoPayload) {
  auto encoded = encode_self_metrics({}, {}, 1, 2);
  EXPECT_EQ(encoded.points, 0u);
  EXPECT_TRUE(encoded.payload.empty());
}

TEST(SelfMetricsEncoder, OneMetricPerNameWhateverTheOrder) {
  std::vector<telemetry::MetricSample> samples = {
      {"b_total", "B help", Type::kCounter, {{"k", "1"}}, 1},
      {"a_bytes", "A help", Type::kGauge, {}, 2.5},
      {"b_total", "B help", Type::kCounter, {{"k", "2"}}, 3},
  };
  otlp::ResourceInfo resource;
  resource.attributes = {{"host.name", "h"}};
  auto encoded = encode_self_metrics(samples, resource, 100, 200);
  EXPECT_EQ(encoded.points, 3u);

  ExportMetricsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(encoded.payload));
  ASSERT_EQ(request.resource_metrics_size(), 1);
  const auto& rm = request.resource_metrics(0);
  ASSERT_EQ(rm.resource().attributes_size(), 1);
  EXPECT_EQ(rm.resource().attributes(0).key(), "host.name");
  ASSERT_EQ(rm.scope_metrics_size(), 1);
  EXPECT_EQ(rm.scope_metrics(0).scope().name(), "vigil");
  EXPECT_EQ(rm.scope_metrics(0).scope().version(), vigil::kVersion);
  const auto& metrics = rm.scope_metrics(0).metrics();
  ASSERT_EQ(metrics.size(), 2);

  const pb::Metric& b = metrics[0];
  EXPECT_EQ(b.name(), "b_total");
  EXPECT_EQ(b.description(), "B help");
  EXPECT_EQ(b.unit(), "1");
  ASSERT_TRUE(b.has_sum());
  EXPECT_TRUE(b.sum().is_monotonic());
  EXPECT_EQ(b.sum().aggregation_temporality(), pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  ASSERT_EQ(b.sum().data_points_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const auto& p = b.sum().data_points(i);
    EXPECT_EQ(p.start_time_unix_nano(), 100u);
    EXPECT_EQ(p.time_unix_nano(), 200u);
    ASSERT_EQ(p.attributes_size(), 1);
    EXPECT_EQ(p.attributes(0).key(), "k");
    EXPECT_EQ(p.attributes(0).value().string_value(), std::to_string(i + 1));
  }
  EXPECT_EQ(b.sum().data_points(0).as_double(), 1.0);
  EXPECT_EQ(b.sum().data_points(1).as_double(), 3.0);

  const pb::Metric& a = metrics[1];
  EXPECT_EQ(a.name(), "a_bytes");
  EXPECT_EQ(a.unit(), "By");
  ASSERT_TRUE(a.has_gauge());
  ASSERT_EQ(a.gauge().data_points_size(), 1);
  EXPECT_EQ(a.gauge().data_points(0).start_time_unix_nano(), 0u);  // gauges have none
  EXPECT_EQ(a.gauge().data_points(0).time_unix_nano(), 200u);
  EXPECT_EQ(a.gauge().data_points(0).as_double(), 2.5);
  EXPECT_EQ(a.gauge().data_points(0).attributes_size(), 0);
}

}  // namespace
}  // namespace vigil::collectors::internal
