#include "agent/app/process_metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::app {
namespace {

const std::string kFixture = std::string(VIGIL_TEST_DATA_DIR) + "/proc_self";

TEST(ProcessMetrics, ParsesStatStatmAndFds) {
  ProcessSample s;
  ASSERT_TRUE(read_process_sample(kFixture, kFixture + "/proc_stat", s));
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // The command name holds spaces and parentheses: fields are counted after the last ')'.
  EXPECT_DOUBLE_EQ(s.cpu_seconds, (250 + 150) / ticks);
  EXPECT_DOUBLE_EQ(s.start_time_seconds, 1700000000 + 5000 / ticks);
  EXPECT_DOUBLE_EQ(s.resident_bytes, 1500 * page);
  EXPECT_DOUBLE_EQ(s.virtual_bytes, 30141 * page);
  EXPECT_EQ(s.open_fds, 4);
}

TEST(ProcessMetrics, MissingProcFails) {
  ProcessSample s;
  EXPECT_FALSE(read_process_sample("/nonexistent/self", "/nonexistent/stat", s));
}

TEST(ProcessMetrics, RegistersTheStandardNames) {
  telemetry::MetricsRegistry registry;
  auto regs = register_process_metrics(registry);
  const auto text = registry.render_prometheus();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge"), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_NE(text.find("vigil_build_info{version=\""), std::string::npos);
  regs.clear();  // callbacks unregister with their Registration
  EXPECT_EQ(registry.render_prometheus().find("process_open_fds"), std::string::npos);
}

// The value of the single sample named `name`, or -1.
double value_of(const telemetry::MetricsRegistry& registry, const std::string& name) {
  for (const auto& sample : registry.collect()) {
    if (sample.name == name) return sample.value;
  }
  return -1;
}

TEST(ProcessMetrics, KeptFilesGiveFreshFiguresAtEachCollection) {
  // /proc/self's files and its fd directory are opened once and read again from the start.
  telemetry::MetricsRegistry registry;
  auto regs = register_process_metrics(registry);
  const double fds_before = value_of(registry, "process_open_fds");
  ASSERT_GT(fds_before, 0);
  std::vector<int> opened;
  for (int i = 0; i < 5; ++i) opened.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(value_of(registry, "process_open_fds"), fds_before + 5);
  for (int fd : opened) ::close(fd);
  EXPECT_EQ(value_of(registry, "process_open_fds"), fds_before);

  const double cpu_before = value_of(registry, "process_cpu_seconds_total");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  // Burn CPU until the counter has moved by a few clock ticks (a stale read never would).
  volatile double sink = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (value_of(registry, "process_cpu_seconds_total") < cpu_before + 3 / ticks &&
         std::chrono::steady_clock::now() < give_up) {
    for (int i = 0; i < 1000000; ++i) sink = sink + i;
  }
  EXPECT_GE(value_of(registry, "process_cpu_seconds_total"), cpu_before + 3 / ticks);
  EXPECT_GT(value_of(registry, "process_resident_memory_bytes"), 0);
  EXPECT_GE(value_of(registry, "process_virtual_memory_bytes"),
            value_of(registry, "process_resident_memory_bytes"));
}

}  // namespace
}  // namespace vigil::app
