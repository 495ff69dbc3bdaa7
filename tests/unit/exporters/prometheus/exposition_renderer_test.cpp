#include "exporters/prometheus/exposition_renderer.h"

#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/prometheus/exposition_writer.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::prometheus {
namespace {

using namespace std::chrono_literals;

constexpr RenderOptions kText{ExpositionFormat::kText, false};
constexpr RenderOptions kOpenMetrics{ExpositionFormat::kOpenMetrics1, false};

class RendererTest : public ::testing::Test {
 protected:
  void add(const FamilyView& family, std::string_view sample_name, std::vector<LabelView> labels,
           double value, std::int64_t ts = 1700000000123, std::int64_t start = 0) {
    store_.begin_batch();
    store_.sample(family, sample_name, labels, value, ts, start);
    store_.finish_batch();
  }
  std::string render(const RenderOptions& options) {
    std::string out = "left over from an earlier scrape";
    render_exposition(store_, clock_.monotonic(), options, out);
    return out;
  }

  vigil::testing::FakeClock clock_;
  SeriesStore store_{SeriesStoreOptions{.staleness = 5min, .max_series = 0}, clock_};
};

TEST_F(RendererTest, EmptyStore) {
  EXPECT_EQ(render(kText), "");
  EXPECT_EQ(render(kOpenMetrics), "# EOF\n");
}

TEST_F(RendererTest, CounterInBothFormats) {
  const FamilyView cpu{"node_cpu_seconds_total", MetricKind::kCounter,
                       "Seconds the CPUs spent in each mode.", "seconds"};
  add(cpu, cpu.name, {{"cpu", "0"}, {"mode", "user"}}, 12.5, 1700000000123, 1699990000000);
  add(cpu, cpu.name, {{"cpu", "0"}, {"mode", "idle"}}, 1e6, 1700000000123, 1699990000000);
  EXPECT_EQ(render(kText),
            "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
            "# TYPE node_cpu_seconds_total counter\n"
            "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1e+06\n"
            "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12.5\n");
  // OpenMetrics: family without _total, UNIT, HELP after TYPE, _created per series, # EOF.
  EXPECT_EQ(render(kOpenMetrics),
            "# TYPE node_cpu_seconds counter\n"
            "# UNIT node_cpu_seconds seconds\n"
            "# HELP node_cpu_seconds Seconds the CPUs spent in each mode.\n"
            "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1e+06\n"
            "node_cpu_seconds_created{cpu=\"0\",mode=\"idle\"} 1699990000.000\n"
            "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12.5\n"
            "node_cpu_seconds_created{cpu=\"0\",mode=\"user\"} 1699990000.000\n"
            "# EOF\n");
}

TEST_F(RendererTest, Timestamps) {
  const FamilyView forks{"node_forks_total", MetricKind::kCounter, "Forks.", ""};
  add(forks, forks.name, {}, 42, 1700000000123, 1600000000005);
  EXPECT_EQ(render(RenderOptions{ExpositionFormat::kText, true}),
            "# HELP node_forks_total Forks.\n"
            "# TYPE node_forks_total counter\n"
            "node_forks_total 42 1700000000123\n");
  EXPECT_EQ(render(RenderOptions{ExpositionFormat::kOpenMetrics1, true}),
            "# TYPE node_forks counter\n"
            "# HELP node_forks Forks.\n"
            "node_forks_total 42 1700000000.123\n"
            "node_forks_created 1600000000.005 1700000000.123\n"
            "# EOF\n");
}

TEST_F(RendererTest, EscapingOfLabelValuesAndHelp) {
  const FamilyView fs{"node_filesystem_avail_bytes", MetricKind::kGauge,
                      "Bytes \"available\"\nto C:\\ users.", "bytes"};
  add(fs, fs.name,
      {{"device", "/dev/sda1"}, {"fstype", "ext4"}, {"mountpoint", "/mnt/a \"b\"\\c\nd"}}, 1024);
  EXPECT_EQ(render(kText),
            "# HELP node_filesystem_avail_bytes Bytes \"available\"\\nto C:\\\\ users.\n"
            "# TYPE node_filesystem_avail_bytes gauge\n"
            "node_filesystem_avail_bytes{device=\"/dev/sda1\",fstype=\"ext4\","
            "mountpoint=\"/mnt/a \\\"b\\\"\\\\c\\nd\"} 1024\n");
  // OpenMetrics escapes double quotes in HELP as well.
  EXPECT_EQ(render(kOpenMetrics),
            "# TYPE node_filesystem_avail_bytes gauge\n"
            "# UNIT node_filesystem_avail_bytes bytes\n"
            "# HELP node_filesystem_avail_bytes Bytes \\\"available\\\"\\nto C:\\\\ users.\n"
            "node_filesystem_avail_bytes{device=\"/dev/sda1\",fstype=\"ext4\","
            "mountpoint=\"/mnt/a \\\"b\\\"\\\\c\\nd\"} 1024\n"
            "# EOF\n");
}

TEST_F(RendererTest, SpecialValues) {
  const FamilyView g{"g", MetricKind::kGauge, "", ""};
  add(g, "g", {{"v", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  add(g, "g", {{"v", "pinf"}}, std::numeric_limits<double>::infinity());
  add(g, "g", {{"v", "ninf"}}, -std::numeric_limits<double>::infinity());
  add(g, "g", {{"v", "negzero"}}, -0.0);
  add(g, "g", {{"v", "tiny"}}, 5e-324);
  add(g, "g", {{"v", "big"}}, 1.7976931348623157e308);
  add(g, "g", {{"v", "tenth"}}, 0.1);
  add(g, "g", {{"v", "int"}}, 9007199254740993.0);  // rounds to 2^53 + 2 as a double
  // No description: no HELP line rather than an invented one.
  EXPECT_EQ(render(kText),
            "# TYPE g gauge\n"
            "g{v=\"big\"} 1.7976931348623157e+308\n"
            "g{v=\"int\"} 9007199254740992\n"
            "g{v=\"nan\"} NaN\n"
            "g{v=\"negzero\"} -0\n"
            "g{v=\"ninf\"} -Inf\n"
            "g{v=\"pinf\"} +Inf\n"
            "g{v=\"tenth\"} 0.1\n"
            "g{v=\"tiny\"} 5e-324\n");
}

TEST_F(RendererTest, HistogramInBothFormats) {
  const FamilyView h{"rpc_duration_seconds", MetricKind::kHistogram, "RPC latency.", "seconds"};
  const std::int64_t start = 1699999999000;
  store_.begin_batch();
  auto sample = [&](std::string_view suffix, std::vector<LabelView> labels, double v) {
    const std::string name = std::string(h.name) + std::string(suffix);
    store_.sample(h, name, labels, v, 1700000000123, start);
  };
  sample("_bucket", {{"le", "0.5"}, {"method", "get"}}, 1);
  sample("_bucket", {{"le", "+Inf"}, {"method", "get"}}, 3);
  sample("_sum", {{"method", "get"}}, 4.25);
  sample("_count", {{"method", "get"}}, 3);
  sample("_bucket", {{"le", "0.5"}, {"method", "put"}}, 0);
  sample("_bucket", {{"le", "+Inf"}, {"method", "put"}}, 1);
  sample("_sum", {{"method", "put"}}, 2);
  sample("_count", {{"method", "put"}}, 1);
  store_.finish_batch();
  EXPECT_EQ(render(kText),
            "# HELP rpc_duration_seconds RPC latency.\n"
            "# TYPE rpc_duration_seconds histogram\n"
            "rpc_duration_seconds_bucket{le=\"0.5\",method=\"get\"} 1\n"
            "rpc_duration_seconds_bucket{le=\"+Inf\",method=\"get\"} 3\n"
            "rpc_duration_seconds_sum{method=\"get\"} 4.25\n"
            "rpc_duration_seconds_count{method=\"get\"} 3\n"
            "rpc_duration_seconds_bucket{le=\"0.5\",method=\"put\"} 0\n"
            "rpc_duration_seconds_bucket{le=\"+Inf\",method=\"put\"} 1\n"
            "rpc_duration_seconds_sum{method=\"put\"} 2\n"
            "rpc_duration_seconds_count{method=\"put\"} 1\n");
  EXPECT_EQ(render(kOpenMetrics),
            "# TYPE rpc_duration_seconds histogram\n"
            "# UNIT rpc_duration_seconds seconds\n"
            "# HELP rpc_duration_seconds RPC latency.\n"
            "rpc_duration_seconds_bucket{le=\"0.5\",method=\"get\"} 1\n"
            "rpc_duration_seconds_bucket{le=\"+Inf\",method=\"get\"} 3\n"
            "rpc_duration_seconds_sum{method=\"get\"} 4.25\n"
            "rpc_duration_seconds_count{method=\"get\"} 3\n"
            "rpc_duration_seconds_created{method=\"get\"} 1699999999.000\n"
            "rpc_duration_seconds_bucket{le=\"0.5\",method=\"put\"} 0\n"
            "rpc_duration_seconds_bucket{le=\"+Inf\",method=\"put\"} 1\n"
            "rpc_duration_seconds_sum{method=\"put\"} 2\n"
            "rpc_duration_seconds_count{method=\"put\"} 1\n"
            "rpc_duration_seconds_created{method=\"put\"} 1699999999.000\n"
            "# EOF\n");
}

TEST_F(RendererTest, SummaryAndUnknown) {
  const FamilyView s{"gc_pause_seconds", MetricKind::kSummary, "GC pauses.", "seconds"};
  add(s, "gc_pause_seconds", {{"quantile", "0.99"}}, 0.2);
  add(s, "gc_pause_seconds", {{"quantile", "0.5"}}, 0.1);
  add(s, "gc_pause_seconds_sum", {}, 3);
  add(s, "gc_pause_seconds_count", {}, 20);
  const FamilyView u{"mystery", MetricKind::kUnknown, "Who knows.", ""};
  add(u, "mystery", {}, 7);
  EXPECT_EQ(render(kText),
            "# HELP gc_pause_seconds GC pauses.\n"
            "# TYPE gc_pause_seconds summary\n"
            "gc_pause_seconds{quantile=\"0.5\"} 0.1\n"
            "gc_pause_seconds{quantile=\"0.99\"} 0.2\n"
            "gc_pause_seconds_sum 3\n"
            "gc_pause_seconds_count 20\n"
            "# HELP mystery Who knows.\n"
            "# TYPE mystery untyped\n"
            "mystery 7\n");
  // No start time known: no _created.
  EXPECT_EQ(render(kOpenMetrics),
            "# TYPE gc_pause_seconds summary\n"
            "# UNIT gc_pause_seconds seconds\n"
            "# HELP gc_pause_seconds GC pauses.\n"
            "gc_pause_seconds{quantile=\"0.5\"} 0.1\n"
            "gc_pause_seconds{quantile=\"0.99\"} 0.2\n"
            "gc_pause_seconds_sum 3\n"
            "gc_pause_seconds_count 20\n"
            "# TYPE mystery unknown\n"
            "# HELP mystery Who knows.\n"
            "mystery 7\n"
            "# EOF\n");
}

TEST_F(RendererTest, OpenMetricsCornerCases) {
  // A counter whose name lacks _total keeps its sample name: typed unknown in OpenMetrics.
  const FamilyView odd{"requests", MetricKind::kCounter, "", ""};
  add(odd, "requests", {}, 5, 1, 1);
  // A unit that is not the family name's suffix gets no UNIT line (Prometheus rejects it).
  const FamilyView mem{"heap_size", MetricKind::kGauge, "", "bytes"};
  add(mem, "heap_size", {}, 1);
  // A name that merely ends in the unit's letters is not enough either.
  const FamilyView jobs{"jobs", MetricKind::kGauge, "", "s"};
  add(jobs, "jobs", {}, 2);
  EXPECT_EQ(render(kOpenMetrics),
            "# TYPE heap_size gauge\n"
            "heap_size 1\n"
            "# TYPE jobs gauge\n"
            "jobs 2\n"
            "# TYPE requests unknown\n"
            "requests 5\n"
            "# EOF\n");
  EXPECT_EQ(render(kText),
            "# TYPE heap_size gauge\n"
            "heap_size 1\n"
            "# TYPE jobs gauge\n"
            "jobs 2\n"
            "# TYPE requests counter\n"
            "requests 5\n");
}

TEST_F(RendererTest, StaleSeriesAndEmptiedFamiliesAreLeftOut) {
  const FamilyView a{"a", MetricKind::kGauge, "A.", ""};
  const FamilyView b{"b", MetricKind::kGauge, "B.", ""};
  add(a, "a", {{"k", "old"}}, 1);
  add(b, "b", {}, 1);
  clock_.advance(3min);
  add(a, "a", {{"k", "new"}}, 2);
  clock_.advance(2min + 1ms);  // a{k=old} and b are now older than 5 minutes
  EXPECT_EQ(render(kText),
            "# HELP a A.\n"
            "# TYPE a gauge\n"
            "a{k=\"new\"} 2\n");
}

TEST_F(RendererTest, ReusesItsBuffer) {
  const FamilyView g{"g", MetricKind::kGauge, "", ""};
  for (int i = 0; i < 100; ++i) add(g, "g", {{"i", std::to_string(i)}}, i);
  std::string out;
  render_exposition(store_, clock_.monotonic(), kText, out);
  const auto* data = out.data();
  const auto capacity = out.capacity();
  EXPECT_EQ(render_exposition(store_, clock_.monotonic(), kText, out), 100u);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
}

TEST(ExpositionWriter, Seconds) {
  std::string out;
  append_seconds(1700000000123, out);
  out.push_back(' ');
  append_seconds(5, out);
  out.push_back(' ');
  append_seconds(-1500, out);
  out.push_back(' ');
  append_seconds(std::numeric_limits<std::int64_t>::min(), out);
  EXPECT_EQ(out, "1700000000.123 0.005 -1.500 -9223372036854775.808");
}

TEST(ExpositionWriter, LabelsCanSkipOne) {
  std::string out;
  const LabelView labels[] = {{"le", "1"}, {"path", "/a"}};
  append_labels(labels, "le", out);
  out.push_back(' ');
  const LabelView only_le[] = {{"le", "1"}};
  append_labels(only_le, "le", out);
  out.push_back(' ');
  append_labels({}, "", out);
  EXPECT_EQ(out, "{path=\"/a\"}  ");
}

}  // namespace
}  // namespace vigil::exporters::prometheus
