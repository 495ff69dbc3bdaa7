#include <gtest/gtest.h>

#include "collectors/host/loadavg_parser.h"
#include "collectors/host/pressure_parser.h"
#include "collectors/host/system_parser.h"
#include "collectors/host/text_scan.h"
#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(LoadavgParser, CapturedFromThisMachine) {
  LoadAverage load;
  ASSERT_TRUE(parse_loadavg(fixture("captured/proc/loadavg"), load));
  EXPECT_DOUBLE_EQ(load.one, 16.80);
  EXPECT_DOUBLE_EQ(load.five, 14.00);
  EXPECT_DOUBLE_EQ(load.fifteen, 9.41);
  EXPECT_FALSE(parse_loadavg("0.1 0.2\n", load));
  EXPECT_FALSE(parse_loadavg("a b c", load));
}

TEST(SystemParsers, UptimeAndFileNr) {
  double uptime = 0;
  ASSERT_TRUE(parse_uptime(fixture("captured/proc/uptime"), uptime));
  EXPECT_DOUBLE_EQ(uptime, 12724.91);
  EXPECT_FALSE(parse_uptime("", uptime));
  EXPECT_FALSE(parse_uptime("-1 2", uptime));
  FileNr nr;
  ASSERT_TRUE(parse_file_nr(fixture("captured/proc/sys/fs/file-nr"), nr));
  EXPECT_EQ(nr.allocated, 2061u);
  EXPECT_EQ(nr.maximum, 2466170u);
  EXPECT_FALSE(parse_file_nr("1 0", nr));
}

TEST(PressureParser, CapturedAndOlderShapes) {
  Pressure p;
  ASSERT_TRUE(parse_pressure(fixture("captured/proc/pressure/cpu"), p));
  EXPECT_TRUE(p.has_some);
  EXPECT_EQ(p.some_total_us, 6749133138u);
  EXPECT_TRUE(p.has_full);  // cpu "full" since Linux 5.13
  EXPECT_EQ(p.full_total_us, 0u);

  ASSERT_TRUE(parse_pressure(fixture("edge/pressure_cpu_some_only"), p));
  EXPECT_TRUE(p.has_some);
  EXPECT_FALSE(p.has_full);
  EXPECT_EQ(p.some_total_us, 123456789u);

  ASSERT_TRUE(parse_pressure(fixture("edge/pressure_irq"), p));
  EXPECT_FALSE(p.has_some);
  EXPECT_EQ(p.full_total_us, 42u);

  EXPECT_FALSE(parse_pressure("some avg10=0.00\n", p));
  EXPECT_FALSE(parse_pressure("", p));
}

TEST(TextScan, Utf8) {
  EXPECT_TRUE(is_valid_utf8("eth0 ä €𝄞"));
  EXPECT_FALSE(is_valid_utf8("bad\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));      // truncated
  std::string out;
  append_valid_utf8(out,
                    "a\xff"
                    "b\xe2\x82");
  EXPECT_EQ(out,
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(is_valid_utf8(out));
}

}  // namespace
}  // namespace vigil::collectors::host
