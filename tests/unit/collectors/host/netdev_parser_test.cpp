#include "collectors/host/netdev_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(NetdevParser, CapturedFromThisMachine) {
  const std::string text = fixture("captured/proc/net/dev");
  std::vector<NetDevLine> lines;
  parse_net_dev(text, lines);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].device, "lo");
  EXPECT_EQ(lines[3].device, "eth0");
  EXPECT_EQ(lines[3].values[kRxBytes], 226771127u);
  EXPECT_EQ(lines[3].values[kRxPackets], 8245u);
  EXPECT_EQ(lines[3].values[kTxBytes], 913435u);
  EXPECT_EQ(lines[3].values[kTxPackets], 6595u);
}

TEST(NetdevParser, NamesThatAbutTheNumbersOrHoldSpacesAndColons) {
  const std::string text = fixture("edge/netdev_names");
  std::vector<NetDevLine> lines;
  parse_net_dev(text, lines);
  ASSERT_EQ(lines.size(), 5u);  // "short" lacks columns
  EXPECT_EQ(lines[1].device, "enp0s31f6");
  EXPECT_EQ(lines[1].values[kRxBytes], 1234u);
  EXPECT_EQ(lines[1].values[kTxCompressed], 20u);
  EXPECT_EQ(lines[2].device, "my dev");
  EXPECT_EQ(lines[2].values[kRxMulticast], 8u);
  EXPECT_EQ(lines[2].values[kTxColls], 14u);
  EXPECT_EQ(lines[2].values[kTxCarrier], 15u);
  EXPECT_EQ(lines[3].device, "eth0:1");
  EXPECT_EQ(lines[3].values[kRxFrame], 600u);
  EXPECT_EQ(lines[4].device, "wg0");
  EXPECT_EQ(lines[4].values[kRxBytes], 18446744073709551615u);
}

}  // namespace
}  // namespace vigil::collectors::host
