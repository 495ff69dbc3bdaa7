#include "collectors/host/meminfo_parser.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::fixture;

TEST(MeminfoParser, CapturedFromThisMachineEveryField) {
  const std::string text = fixture("captured/proc/meminfo");
  std::vector<MeminfoField> fields;
  parse_meminfo(text, fields);
  ASSERT_EQ(fields.size(), 54u);  // every line of the capture
  EXPECT_EQ(fields[0].name, "MemTotal");
  EXPECT_EQ(fields[0].value, 24684084ull * 1024);
  EXPECT_TRUE(fields[0].in_bytes);
  const MeminfoField* anon = find_meminfo(fields, "Active(anon)");
  ASSERT_NE(anon, nullptr);
  EXPECT_EQ(anon->value, 1944ull * 1024);
  const MeminfoField* huge = find_meminfo(fields, "HugePages_Total");
  ASSERT_NE(huge, nullptr);
  EXPECT_FALSE(huge->in_bytes);
  EXPECT_EQ(huge->value, 0u);
  const MeminfoField* vmalloc = find_meminfo(fields, "VmallocTotal");
  ASSERT_NE(vmalloc, nullptr);
  EXPECT_EQ(vmalloc->value, 34359738367ull * 1024);
}

TEST(MeminfoParser, WithoutSwapLines) {
  const std::string text = fixture("edge/meminfo_no_swap");
  std::vector<MeminfoField> fields;
  parse_meminfo(text, fields);
  EXPECT_EQ(fields.size(), 12u);
  EXPECT_EQ(find_meminfo(fields, "SwapTotal"), nullptr);
  EXPECT_EQ(find_meminfo(fields, "SwapFree"), nullptr);
  ASSERT_NE(find_meminfo(fields, "HugePages_Free"), nullptr);
  EXPECT_EQ(find_meminfo(fields, "HugePages_Free")->value, 2u);
}

TEST(MeminfoParser, SkipsWhatItCannotRead) {
  std::vector<MeminfoField> fields;
  parse_meminfo(
      "NoColon 12 kB\n"
      "Empty:\n"
      "BadNumber: 12x kB\n"
      "OtherUnit: 12 MB\n"
      "Trailing: 12 kB extra\n"
      "Overflow: 18446744073709551615 kB\n"
      ": 5 kB\n"
      "Good:   7 kB\r\n"
      "Count: 3",
      fields);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "Good");
  EXPECT_EQ(fields[0].value, 7u * 1024);
  EXPECT_EQ(fields[1].name, "Count");
  EXPECT_FALSE(fields[1].in_bytes);
}

}  // namespace
}  // namespace vigil::collectors::host
