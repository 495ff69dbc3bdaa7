#include "collectors/host/diskstats_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(DiskstatsParser, CapturedFromThisMachineTwentyColumns) {
  const std::string text = fixture("captured/proc/diskstats");
  std::vector<DiskStatsLine> lines;
  parse_diskstats(text, lines);
  ASSERT_EQ(lines.size(), 10u);
  const DiskStatsLine& vda = lines[8];
  EXPECT_EQ(vda.device, "vda");
  EXPECT_EQ(vda.major, 254u);
  EXPECT_EQ(vda.minor, 0u);
  EXPECT_EQ(vda.count, kDiskStatsWithFlushes);
  EXPECT_EQ(vda.stats[kDiskReads], 245451u);
  EXPECT_EQ(vda.stats[kDiskSectorsWritten], 31440864u);
  EXPECT_EQ(vda.stats[kDiskWeightedIoMs], 3261169u);
  EXPECT_EQ(vda.stats[kDiskDiscards], 86636u);
  EXPECT_EQ(vda.stats[kDiskSectorsDiscarded], 25068920u);
  EXPECT_EQ(vda.stats[kDiskFlushes], 1798u);
  EXPECT_EQ(vda.stats[kDiskFlushMs], 79u);
  EXPECT_EQ(lines[0].device, "loop0");
  EXPECT_EQ(lines[9].device, "zram0");
}

TEST(DiskstatsParser, FourteenColumnsBeforeLinux418) {
  const std::string text = fixture("edge/diskstats_14");
  std::vector<DiskStatsLine> lines;
  parse_diskstats(text, lines);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].device, "sda");
  EXPECT_EQ(lines[0].count, kDiskStatsBase);
  EXPECT_EQ(lines[0].stats[kDiskReads], 1001u);
  EXPECT_EQ(lines[0].stats[kDiskWeightedIoMs], 1000u);
  EXPECT_EQ(lines[0].stats[kDiskDiscards], 0u);
}

TEST(DiskstatsParser, EighteenColumnsWithDiscards) {
  const std::string text = fixture("edge/diskstats_18");
  std::vector<DiskStatsLine> lines;
  parse_diskstats(text, lines);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].device, "nvme0n1");
  EXPECT_EQ(lines[0].count, kDiskStatsWithDiscards);
  EXPECT_EQ(lines[0].stats[kDiskDiscards], 12u);
  EXPECT_EQ(lines[0].stats[kDiskDiscardMs], 15u);
}

TEST(DiskstatsParser, TwentyColumnsAndOddLines) {
  const std::string text = fixture("edge/diskstats_20");
  std::vector<DiskStatsLine> lines;
  parse_diskstats(text, lines);
  // "garbage line" and sdc (a non-number) are skipped.
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].count, kDiskStatsWithFlushes);
  EXPECT_EQ(lines[0].stats[kDiskIoInProgress], 2u);
  EXPECT_EQ(lines[1].device, "vdb");
  EXPECT_EQ(lines[1].stats[kDiskReads], 4294967295u);  // a 32-bit counter about to wrap
  // 19 statistics: the first 17 are kept.
  EXPECT_EQ(lines[2].device, "dm-0");
  EXPECT_EQ(lines[2].count, kDiskStatsWithFlushes);
  EXPECT_EQ(lines[2].stats[kDiskFlushMs], 17u);
  // 16 statistics: the discard group is complete, the flush group is not.
  EXPECT_EQ(lines[3].device, "sdb");
  EXPECT_EQ(lines[3].count, kDiskStatsWithDiscards);
}

}  // namespace
}  // namespace vigil::collectors::host
