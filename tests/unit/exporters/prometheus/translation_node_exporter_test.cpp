// Every row of HOST_METRICS.md through the translator: the node_exporter 1.5 name, TYPE and
// label set of each host metric point.

#include <gtest/gtest.h>

#include <set>

#include "exporters/prometheus/node_exporter_names.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using testing::Attrs;
using testing::RequestBuilder;

enum class Shape { kCounter, kUpDown, kGauge };

struct Case {
  std::string metric;
  std::string unit;
  Shape shape;
  Attrs attrs;
  std::string expected;  // name{labels} (value 1)
  MetricKind kind;
};

const Attrs kHostResource = {{"host.name", "web-1"}, {"os.type", "linux"}};
const Attrs kFs = {{"device", "/dev/sda1"}, {"type", "ext4"}, {"mountpoint", "/"}};
constexpr std::string_view kFsLabels = R"({device="/dev/sda1",fstype="ext4",mountpoint="/"})";

std::vector<Case> cases() {
  const auto C = Shape::kCounter;
  const auto U = Shape::kUpDown;
  const auto G = Shape::kGauge;
  const auto kC = MetricKind::kCounter;
  const auto kG = MetricKind::kGauge;
  std::vector<Case> out = {
      {"system.cpu.time",
       "s",
       C,
       {{"cpu", "0"}, {"state", "user"}},
       R"(node_cpu_seconds_total{cpu="0",mode="user"})",
       kC},
      {"system.cpu.time",
       "s",
       C,
       {{"cpu", "3"}, {"state", "interrupt"}},
       R"(node_cpu_seconds_total{cpu="3",mode="irq"})",
       kC},
      {"system.cpu.guest_time",
       "s",
       C,
       {{"cpu", "1"}, {"state", "nice"}},
       R"(node_cpu_guest_seconds_total{cpu="1",mode="nice"})",
       kC},
      {"system.memory.meminfo", "By", G, {{"field", "MemTotal"}}, "node_memory_MemTotal_bytes", kG},
      {"system.memory.meminfo",
       "By",
       G,
       {{"field", "Active(anon)"}},
       "node_memory_Active_anon_bytes",
       kG},
      {"system.memory.meminfo.count",
       "1",
       G,
       {{"field", "HugePages_Total"}},
       "node_memory_HugePages_Total",
       kG},
      {"system.disk.operations",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "read"}},
       R"(node_disk_reads_completed_total{device="sda"})",
       kC},
      {"system.disk.operations",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "write"}},
       R"(node_disk_writes_completed_total{device="sda"})",
       kC},
      {"system.disk.operations",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "discard"}},
       R"(node_disk_discards_completed_total{device="sda"})",
       kC},
      {"system.disk.operations",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "flush"}},
       R"(node_disk_flush_requests_total{device="sda"})",
       kC},
      {"system.disk.merged",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "read"}},
       R"(node_disk_reads_merged_total{device="sda"})",
       kC},
      {"system.disk.merged",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "write"}},
       R"(node_disk_writes_merged_total{device="sda"})",
       kC},
      {"system.disk.merged",
       "{operation}",
       C,
       {{"device", "sda"}, {"direction", "discard"}},
       R"(node_disk_discards_merged_total{device="sda"})",
       kC},
      {"system.disk.io",
       "By",
       C,
       {{"device", "nvme0n1"}, {"direction", "read"}},
       R"(node_disk_read_bytes_total{device="nvme0n1"})",
       kC},
      {"system.disk.io",
       "By",
       C,
       {{"device", "nvme0n1"}, {"direction", "write"}},
       R"(node_disk_written_bytes_total{device="nvme0n1"})",
       kC},
      {"system.disk.discarded_sectors",
       "{sector}",
       C,
       {{"device", "sda"}},
       R"(node_disk_discarded_sectors_total{device="sda"})",
       kC},
      {"system.disk.operation_time",
       "s",
       C,
       {{"device", "sda"}, {"direction", "read"}},
       R"(node_disk_read_time_seconds_total{device="sda"})",
       kC},
      {"system.disk.operation_time",
       "s",
       C,
       {{"device", "sda"}, {"direction", "write"}},
       R"(node_disk_write_time_seconds_total{device="sda"})",
       kC},
      {"system.disk.operation_time",
       "s",
       C,
       {{"device", "sda"}, {"direction", "discard"}},
       R"(node_disk_discard_time_seconds_total{device="sda"})",
       kC},
      {"system.disk.operation_time",
       "s",
       C,
       {{"device", "sda"}, {"direction", "flush"}},
       R"(node_disk_flush_requests_time_seconds_total{device="sda"})",
       kC},
      {"system.disk.pending_operations",
       "{operation}",
       U,
       {{"device", "sda"}},
       R"(node_disk_io_now{device="sda"})",
       kG},
      {"system.disk.io_time",
       "s",
       C,
       {{"device", "sda"}},
       R"(node_disk_io_time_seconds_total{device="sda"})",
       kC},
      {"system.disk.weighted_io_time",
       "s",
       C,
       {{"device", "sda"}},
       R"(node_disk_io_time_weighted_seconds_total{device="sda"})",
       kC},
      {"system.filesystem.size", "By", G, kFs,
       "node_filesystem_size_bytes" + std::string(kFsLabels), kG},
      {"system.filesystem.free", "By", G, kFs,
       "node_filesystem_free_bytes" + std::string(kFsLabels), kG},
      {"system.filesystem.available", "By", G, kFs,
       "node_filesystem_avail_bytes" + std::string(kFsLabels), kG},
      {"system.filesystem.inodes", "{inode}", G, kFs,
       "node_filesystem_files" + std::string(kFsLabels), kG},
      {"system.filesystem.inodes.free", "{inode}", G, kFs,
       "node_filesystem_files_free" + std::string(kFsLabels), kG},
      {"system.filesystem.readonly", "1", G, kFs,
       "node_filesystem_readonly" + std::string(kFsLabels), kG},
      {"system.filesystem.device_error", "1", G, kFs,
       "node_filesystem_device_error" + std::string(kFsLabels), kG},
      {"system.cpu.load_average.1m", "1", G, {}, "node_load1", kG},
      {"system.cpu.load_average.5m", "1", G, {}, "node_load5", kG},
      {"system.cpu.load_average.15m", "1", G, {}, "node_load15", kG},
      {"system.boot_time", "s", G, {}, "node_boot_time_seconds", kG},
      {"system.context_switches", "{switch}", C, {}, "node_context_switches_total", kC},
      {"system.processes.created", "{process}", C, {}, "node_forks_total", kC},
      {"system.interrupts", "{interrupt}", C, {}, "node_intr_total", kC},
      {"system.processes.count", "{process}", U, {{"status", "running"}}, "node_procs_running", kG},
      {"system.processes.count", "{process}", U, {{"status", "blocked"}}, "node_procs_blocked", kG},
      {"system.filefd.allocated", "{file}", G, {}, "node_filefd_allocated", kG},
      {"system.filefd.maximum", "{file}", G, {}, "node_filefd_maximum", kG},
      {"system.pressure.waiting",
       "s",
       C,
       {{"resource", "cpu"}},
       "node_pressure_cpu_waiting_seconds_total",
       kC},
      {"system.pressure.waiting",
       "s",
       C,
       {{"resource", "memory"}},
       "node_pressure_memory_waiting_seconds_total",
       kC},
      {"system.pressure.waiting",
       "s",
       C,
       {{"resource", "io"}},
       "node_pressure_io_waiting_seconds_total",
       kC},
      {"system.pressure.stalled",
       "s",
       C,
       {{"resource", "memory"}},
       "node_pressure_memory_stalled_seconds_total",
       kC},
      {"system.pressure.stalled",
       "s",
       C,
       {{"resource", "io"}},
       "node_pressure_io_stalled_seconds_total",
       kC},
  };
  // Network: every statistic in both directions where node_exporter has it.
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> net = {
      {"system.network.io", "bytes", {"receive", "transmit"}},
      {"system.network.packets", "packets", {"receive", "transmit"}},
      {"system.network.errors", "errs", {"receive", "transmit"}},
      {"system.network.dropped", "drop", {"receive", "transmit"}},
      {"system.network.fifo", "fifo", {"receive", "transmit"}},
      {"system.network.frame", "frame", {"receive"}},
      {"system.network.compressed", "compressed", {"receive", "transmit"}},
      {"system.network.multicast", "multicast", {"receive"}},
      {"system.network.collisions", "colls", {"transmit"}},
      {"system.network.carrier", "carrier", {"transmit"}},
  };
  for (const auto& [metric, stat, directions] : net) {
    for (const auto& direction : directions) {
      out.push_back({metric,
                     "By",
                     C,
                     {{"device", "eth0"}, {"direction", direction}},
                     "node_network_" + direction + "_" + stat + R"(_total{device="eth0"})",
                     kC});
    }
  }
  return out;
}

testing::RecordingSink translate_case(const Case& c) {
  Translator translator(TranslationOptions{});
  RequestBuilder request(kHostResource, "vigil/host", "0.1.0");
  if (c.shape == Shape::kGauge) {
    request.gauge(c.metric, c.unit, c.attrs, 1);
  } else {
    request.sum(c.metric, c.unit, c.attrs, 1, c.shape == Shape::kCounter);
  }
  return testing::translate(translator, request);
}

TEST(TranslationNodeExporter, EveryRowOfTheTable) {
  std::set<std::string> covered;
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.metric);
    const auto sink = translate_case(c);
    ASSERT_EQ(sink.metric_lines().size(), 1u);
    // No job/instance (no service.name), no otel_scope_* labels: node_exporter's label sets.
    EXPECT_EQ(sink.metric_lines()[0], c.expected + " 1");
    EXPECT_EQ(sink.samples[0].kind, c.kind);
    EXPECT_EQ(sink.samples[0].family, sink.samples[0].name);
    EXPECT_FALSE(sink.samples[0].help.empty());
    EXPECT_EQ(sink.samples[0].timestamp_ms, testing::kT0Ms);
    covered.insert(c.metric);
  }
  // Every row of the table has a case above.
  for (const auto& row : node_exporter_rows()) {
    EXPECT_TRUE(covered.contains(std::string(row.metric))) << row.metric;
  }
}

TEST(TranslationNodeExporter, HelpAndUnitAreNodeExporters) {
  const auto sink = translate_case({"system.cpu.time",
                                    "s",
                                    Shape::kCounter,
                                    {{"cpu", "0"}, {"state", "idle"}},
                                    "",
                                    MetricKind::kCounter});
  EXPECT_EQ(sink.samples[0].help, "Seconds the CPUs spent in each mode.");
  EXPECT_EQ(sink.samples[0].unit, "seconds");
  const auto mem = translate_case({"system.memory.meminfo",
                                   "By",
                                   Shape::kGauge,
                                   {{"field", "Active(anon)"}},
                                   "",
                                   MetricKind::kGauge});
  EXPECT_EQ(mem.samples[0].help, "Memory information field Active_anon_bytes.");
  EXPECT_EQ(mem.samples[0].unit, "bytes");
}

TEST(TranslationNodeExporter, HostResourceBecomesTargetInfo) {
  const auto sink = translate_case(
      {"system.cpu.load_average.1m", "1", Shape::kGauge, {}, "", MetricKind::kGauge});
  ASSERT_EQ(sink.samples.size(), 2u);
  EXPECT_EQ(sink.samples[1].line(), R"(target_info{host_name="web-1",os_type="linux"} 1)");
  EXPECT_EQ(sink.samples[1].timestamp_ms, testing::kT0Ms);
}

TEST(TranslationNodeExporter, UnmappedValuesAndShapesFollowTheStandardRules) {
  // A direction the table has no name for.
  auto sink = translate_case({"system.network.frame",
                              "{error}",
                              Shape::kCounter,
                              {{"device", "eth0"}, {"direction", "transmit"}},
                              "",
                              MetricKind::kCounter});
  EXPECT_EQ(sink.metric_lines()[0],
            R"(system_network_frame_total{device="eth0",direction="transmit",)"
            R"(otel_scope_name="vigil/host",otel_scope_version="0.1.0"} 1)");
  // A gauge where the table expects a counter.
  sink = translate_case(
      {"system.cpu.time", "s", Shape::kGauge, {{"cpu", "0"}}, "", MetricKind::kGauge});
  EXPECT_EQ(sink.metric_lines()[0],
            R"(system_cpu_time_seconds{cpu="0",otel_scope_name="vigil/host",)"
            R"(otel_scope_version="0.1.0"} 1)");
  // Metrics outside the table: system.memory.usage, system.uptime.
  sink = translate_case(
      {"system.memory.usage", "By", Shape::kUpDown, {{"state", "used"}}, "", MetricKind::kGauge});
  EXPECT_EQ(sink.metric_lines()[0], R"(system_memory_usage_bytes{otel_scope_name="vigil/host",)"
                                    R"(otel_scope_version="0.1.0",state="used"} 1)");
  sink = translate_case({"system.uptime", "s", Shape::kGauge, {}, "", MetricKind::kGauge});
  EXPECT_EQ(sink.metric_lines()[0],
            R"(system_uptime_seconds{otel_scope_name="vigil/host",otel_scope_version="0.1.0"} 1)");
}

TEST(TranslationNodeExporter, ExtraAttributesKeepStandardLabelNames) {
  const auto sink = translate_case({"system.disk.io",
                                    "By",
                                    Shape::kCounter,
                                    {{"device", "sda"}, {"direction", "read"}, {"disk.model", "x"}},
                                    "",
                                    MetricKind::kCounter});
  EXPECT_EQ(sink.metric_lines()[0], R"(node_disk_read_bytes_total{device="sda",disk_model="x"} 1)");
}

TEST(TranslationNodeExporter, CanBeSwitchedOff) {
  TranslationOptions options;
  options.node_exporter_names = false;
  options.scope_labels = false;
  Translator translator(options);
  RequestBuilder request(kHostResource);
  request.sum("system.cpu.time", "s", {{"cpu", "0"}, {"state", "user"}}, 5);
  const auto sink = testing::translate(translator, request);
  EXPECT_EQ(sink.metric_lines()[0], R"(system_cpu_time_seconds_total{cpu="0",state="user"} 5)");
}

TEST(TranslationNodeExporter, MeminfoNamesStayValid) {
  std::string name;
  std::string help;
  const std::string field = "Weird Field(x)";
  const NodeExporterRow* row = find_node_exporter_row("system.memory.meminfo", HostShape::kGauge);
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(node_exporter_name(*row, &field, name, help));
  EXPECT_EQ(name, "node_memory_Weird_Field_x_bytes");
  EXPECT_TRUE(is_valid_metric_name(name));
  EXPECT_FALSE(node_exporter_name(*row, nullptr, name, help));
}

}  // namespace
}  // namespace vigil::exporters::prometheus
