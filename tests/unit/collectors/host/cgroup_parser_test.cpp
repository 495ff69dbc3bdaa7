#include "collectors/host/cgroup_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(CgroupParser, UnifiedPath) {
  EXPECT_EQ(unified_cgroup_path(fixture("captured/proc/self/cgroup")), "/");
  EXPECT_EQ(unified_cgroup_path(fixture("edge/cgroup_v2_path")),
            "/kubepods.slice/kubepods-burstable.slice/cri-containerd-abc.scope");
  EXPECT_EQ(unified_cgroup_path(fixture("edge/cgroup_v1_only")), std::nullopt);
}

TEST(CgroupParser, SingleValues) {
  CgroupValue v;
  ASSERT_TRUE(parse_cgroup_value("max\n", v));
  EXPECT_TRUE(v.unlimited);
  ASSERT_TRUE(parse_cgroup_value("536870912\n", v));
  EXPECT_FALSE(v.unlimited);
  EXPECT_EQ(v.value, 536870912u);
  EXPECT_FALSE(parse_cgroup_value("", v));
  EXPECT_FALSE(parse_cgroup_value("12 34", v));
  EXPECT_FALSE(parse_cgroup_value("maximum", v));
}

TEST(CgroupParser, FlatKeyed) {
  const std::string_view keys[] = {"usage_usec", "nr_throttled", "missing"};
  std::uint64_t values[3] = {};
  const auto found = parse_flat_keyed(
      "usage_usec 123\nuser_usec 100\nnr_throttled 7\nbad x\nthrottled_usec\n", keys, values);
  EXPECT_EQ(found, 0b011u);
  EXPECT_EQ(values[0], 123u);
  EXPECT_EQ(values[1], 7u);
}

TEST(CgroupParser, IoStat) {
  std::vector<IoStatLine> lines;
  parse_io_stat(
      "8:0 rbytes=1048576 wbytes=2097152 rios=16 wios=32 dbytes=0 dios=0\n"
      "253:1 rbytes=5 wbytes=6 rios=7 wios=8\n"
      "nonsense rbytes=1\n"
      "259:0 rbytes=x wbytes=1 rios=2 wios=3 dbytes=4 dios=5 unknown=6\n",
      lines);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].major, 8u);
  EXPECT_EQ(lines[0].values[kIoWbytes], 2097152u);
  EXPECT_EQ(lines[0].present, 0x3F);
  EXPECT_EQ(lines[1].minor, 1u);
  EXPECT_EQ(lines[1].present, 0x0F);
  EXPECT_EQ(lines[2].present, 0x3E);  // rbytes did not parse
}

}  // namespace
}  // namespace vigil::collectors::host
