#include "agent/app/process_metrics.h"

#include <unistd.h>

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

}  // namespace
}  // namespace vigil::app
