#include "collectors/host/proc_stat_parser.h"

#include <gtest/gtest.h>

#include <charconv>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(ProcStatParser, CapturedFromThisMachine) {
  const std::string text = fixture("captured/proc/stat");
  ProcStat stat;
  parse_proc_stat(text, stat);
  ASSERT_EQ(stat.cpus.size(), 2u);  // the "cpu" total line is not a CPU
  EXPECT_EQ(stat.cpus[0].cpu, "0");
  EXPECT_EQ(stat.cpus[0].fields, kCpuColumns);
  EXPECT_EQ(stat.cpus[0].ticks[kCpuUser], 883782u);
  EXPECT_EQ(stat.cpus[0].ticks[kCpuIdle], 249745u);
  EXPECT_EQ(stat.cpus[0].ticks[kCpuSteal], 1767u);
  EXPECT_EQ(stat.cpus[1].cpu, "1");
  EXPECT_EQ(stat.cpus[1].ticks[kCpuSystem], 103864u);
  EXPECT_EQ(stat.intr, 8031819u);  // the total, not the per-source counts after it
  EXPECT_EQ(stat.ctxt, 13263905u);
  EXPECT_EQ(stat.btime, 1795291034u);
  EXPECT_EQ(stat.processes, 137713u);
  EXPECT_EQ(stat.procs_running, 18u);
  EXPECT_EQ(stat.procs_blocked, 0u);
  EXPECT_TRUE(stat.has(ProcStat::kProcsBlocked));
}

TEST(ProcStatParser, TwoHundredFiftySixCpusWithOneOffline) {
  const std::string text = fixture("edge/stat_256cpu");
  ProcStat stat;
  parse_proc_stat(text, stat);
  ASSERT_EQ(stat.cpus.size(), 255u);
  for (const CpuLine& line : stat.cpus) {
    std::uint64_t n = 0;
    ASSERT_TRUE(std::from_chars(line.cpu.data(), line.cpu.data() + line.cpu.size(), n).ec ==
                std::errc());
    EXPECT_NE(n, 200u);
    EXPECT_EQ(line.fields, kCpuColumns);
    EXPECT_EQ(line.ticks[kCpuUser], 1000000 + n);
    EXPECT_EQ(line.ticks[kCpuGuestNice], 9 + n);
  }
  EXPECT_EQ(stat.cpus.back().cpu, "255");
  EXPECT_EQ(stat.intr, 123456789u);
  EXPECT_EQ(stat.ctxt, 987654321u);
}

TEST(ProcStatParser, OlderKernelsWithFewerColumnsAndMalformedLines) {
  const std::string text = fixture("edge/stat_old_kernel");
  ProcStat stat;
  parse_proc_stat(text, stat);
  // cpu2 has 2 columns (too few), cpuX no number: both skipped.
  ASSERT_EQ(stat.cpus.size(), 2u);
  EXPECT_EQ(stat.cpus[0].fields, 4);
  EXPECT_EQ(stat.cpus[1].ticks[kCpuIdle], 200u);
  EXPECT_TRUE(stat.has(ProcStat::kCtxt));
  EXPECT_FALSE(stat.has(ProcStat::kIntr));
  EXPECT_FALSE(stat.has(ProcStat::kProcsRunning));
}

TEST(ProcStatParser, ReusesItsVectorsAndResetsPresence) {
  ProcStat stat;
  parse_proc_stat("cpu0 1 2 3 4\nctxt 5\n", stat);
  EXPECT_TRUE(stat.has(ProcStat::kCtxt));
  parse_proc_stat("cpu0 1 2 3 4 5\n", stat);
  EXPECT_FALSE(stat.has(ProcStat::kCtxt));
  ASSERT_EQ(stat.cpus.size(), 1u);
  EXPECT_EQ(stat.cpus[0].fields, 5);
  parse_proc_stat("", stat);
  EXPECT_TRUE(stat.cpus.empty());
}

}  // namespace
}  // namespace vigil::collectors::host
