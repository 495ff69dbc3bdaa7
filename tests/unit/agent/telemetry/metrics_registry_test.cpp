#include "agent/telemetry/metrics_registry.h"

#include <gtest/gtest.h>

namespace vigil::telemetry {
namespace {

TEST(MetricsRegistry, CountersAreStableAndLabelOrderInsensitive) {
  MetricsRegistry r;
  auto& a = r.counter("vigil_x_total", "help", {{"b", "2"}, {"a", "1"}});
  auto& b = r.counter("vigil_x_total", "help", {{"a", "1"}, {"b", "2"}});
  EXPECT_EQ(&a, &b);
  a.add(3);
  b.add();
  EXPECT_EQ(a.value(), 4u);
}

TEST(MetricsRegistry, RendersPrometheusText) {
  MetricsRegistry r;
  r.dropped_items("exporter/otlp", "queue_full").add(5);
  r.gauge("vigil_queue_bytes", "Bytes queued.", {{"component", "otlp"}}).set(1.5);
  r.counter("vigil_y_total", "Escapes.", {{"v", "a\"b\\c\nd"}}).add(1);
  EXPECT_EQ(r.render_prometheus(),
            "# HELP vigil_dropped_items_total Items dropped, by component and reason.\n"
            "# TYPE vigil_dropped_items_total counter\n"
            "vigil_dropped_items_total{component=\"exporter/otlp\",reason=\"queue_full\"} 5\n"
            "# HELP vigil_queue_bytes Bytes queued.\n"
            "# TYPE vigil_queue_bytes gauge\n"
            "vigil_queue_bytes{component=\"otlp\"} 1.5\n"
            "# HELP vigil_y_total Escapes.\n"
            "# TYPE vigil_y_total counter\n"
            "vigil_y_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsRegistry, CallbacksReadAtCollectionAndUnregister) {
  MetricsRegistry r;
  double v = 1;
  {
    auto reg = r.gauge_callback("vigil_g", "g", {{"k", "v"}}, [&] { return v; });
    v = 7;
    auto samples = r.collect();
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0].value, 7);
    EXPECT_EQ(samples[0].type, MetricSample::Type::kGauge);
  }
  EXPECT_TRUE(r.collect().empty());
}

TEST(MetricsRegistry, CallbackMayReadTheRegistry) {
  MetricsRegistry r;
  r.counter("vigil_c_total", "c").add(2);
  auto reg = r.counter_callback("vigil_d_total", "d", {}, [&] {
    return static_cast<double>(r.counter("vigil_c_total", "c").value());
  });
  auto samples = r.collect();  // must not deadlock
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[1].value, 2);
  EXPECT_EQ(samples[1].type, MetricSample::Type::kCounter);
}

}  // namespace
}  // namespace vigil::telemetry
