#include "exporters/cloudwatch/unit_mapping.h"

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

TEST(UnitMapping, UcumToCloudWatch) {
  EXPECT_EQ(map_unit("s").name, "Seconds");
  EXPECT_EQ(map_unit("ms").name, "Milliseconds");
  EXPECT_EQ(map_unit("By").name, "Bytes");
  EXPECT_EQ(map_unit("By/s").name, "Bytes/Second");
  EXPECT_EQ(map_unit("%").name, "Percent");
  EXPECT_EQ(map_unit("{packet}").name, "Count");
  EXPECT_EQ(map_unit("{packet}/s").name, "Count/Second");
  EXPECT_EQ(map_unit("1").name, "None");  // a ratio, not a percentage
  EXPECT_EQ(map_unit("").name, "None");
  EXPECT_EQ(map_unit("furlongs").name, "None");
  EXPECT_EQ(map_unit("{a}{b}").name, "None");
  EXPECT_DOUBLE_EQ(map_unit("ns").factor, 1e-3);
  EXPECT_DOUBLE_EQ(map_unit("min").factor, 60);
  EXPECT_DOUBLE_EQ(map_unit("MiBy").factor, 1048576);
  for (auto u : {"s", "ms", "us", "ns", "By", "KiBy", "kbit/s", "%", "{x}", "1", "1/s"}) {
    EXPECT_TRUE(is_cloudwatch_unit(map_unit(u).name)) << u;
  }
}

TEST(UnitMapping, RateUnits) {
  EXPECT_EQ(rate_unit("Bytes"), "Bytes/Second");
  EXPECT_EQ(rate_unit("Count"), "Count/Second");
  EXPECT_EQ(rate_unit("Seconds"), "None");
  EXPECT_TRUE(is_cloudwatch_unit(rate_unit("Kilobits")));
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
