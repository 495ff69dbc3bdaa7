#include "agent/config/units.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace vigil::config {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

struct DurationCase {
  std::string text;
  core::Duration expected;
};

TEST(ParseDuration, AcceptsEveryUnitAndSequences) {
  const std::vector<DurationCase> cases = {
      {"0s", core::Duration::zero()},
      {"0ns", core::Duration::zero()},
      {"1ns", nanoseconds(1)},
      {"250us", microseconds(250)},
      {"250ms", milliseconds(250)},
      {"10s", seconds(10)},
      {"5m", minutes(5)},
      {"1h", hours(1)},
      {"1m30s", seconds(90)},
      {"1h30m", minutes(90)},
      {"2h0m5s", hours(2) + seconds(5)},
      {"1h1m1s1ms1us1ns",
       hours(1) + minutes(1) + seconds(1) + milliseconds(1) + microseconds(1) + nanoseconds(1)},
      {"1.5s", milliseconds(1500)},
      {"0.25h", minutes(15)},
      {"1.000000001s", seconds(1) + nanoseconds(1)},
      {"1.50000000000000000000000000000000000000000s", milliseconds(1500)},
      {"007s", seconds(7)},
      {"90s", seconds(90)},
      {"9223372036854775807ns", core::Duration::max()},
      {"2562047h47m16s854ms775us807ns", core::Duration::max()},
  };
  for (const auto& c : cases) {
    auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

struct ErrorCase {
  std::string text;
  std::string message;
};

TEST(ParseDuration, RejectsWithPreciseMessages) {
  const std::vector<ErrorCase> cases = {
      {"", R"(invalid duration "": empty; write a number and a unit, e.g. "10s")"},
      {"10",
       R"(invalid duration "10": missing a unit after "10" (ns, us, ms, s, m or h), e.g. "10s")"},
      {"1m30",
       R"(invalid duration "1m30": missing a unit after "30" (ns, us, ms, s, m or h), e.g. "1m30s")"},
      {"-5s", R"(invalid duration "-5s": negative values are not allowed)"},
      {"+5s", R"(invalid duration "+5s": a sign is not allowed)"},
      {"10 s", R"(invalid duration "10 s": spaces are not allowed)"},
      {" 10s", R"(invalid duration " 10s": spaces are not allowed)"},
      {"10s ", R"(invalid duration "10s ": spaces are not allowed)"},
      {"1m 30s", R"(invalid duration "1m 30s": spaces are not allowed)"},
      {"5min", R"(invalid duration "5min": unknown unit "min" (expected ns, us, ms, s, m or h))"},
      {"5S", R"(invalid duration "5S": unknown unit "S" (expected ns, us, ms, s, m or h))"},
      {"3d", R"(invalid duration "3d": unknown unit "d" (expected ns, us, ms, s, m or h))"},
      {"5µs", R"(invalid duration "5µs": unknown unit "µs" (expected ns, us, ms, s, m or h))"},
      {"s", R"(invalid duration "s": expected a number at "s")"},
      {".5s", R"(invalid duration ".5s": expected a digit before ".")"},
      {"5.s", R"(invalid duration "5.s": expected a digit after ".")"},
      {"1s1m",
       R"(invalid duration "1s1m": units out of order: "m" after "s" (write the largest unit first, e.g. "1m30s"))"},
      {"1s2s", R"(invalid duration "1s2s": unit "s" appears twice)"},
      {"1.5ns", R"(invalid duration "1.5ns": not a whole number of nanoseconds)"},
      {"0.0000000001s", R"(invalid duration "0.0000000001s": not a whole number of nanoseconds)"},
      {"10s_", R"(invalid duration "10s_": expected a number at "_")"},
      {"9223372036854775808ns",
       R"(invalid duration "9223372036854775808ns": too large (at most 2562047h47m16s854ms775us807ns))"},
      {"2562048h",
       R"(invalid duration "2562048h": too large (at most 2562047h47m16s854ms775us807ns))"},
      {"99999999999999999999999999h",
       R"(invalid duration "99999999999999999999999999h": too large (at most 2562047h47m16s854ms775us807ns))"},
      {"2562047h47m16s854ms775us808ns",
       R"(invalid duration "2562047h47m16s854ms775us808ns": too large (at most 2562047h47m16s854ms775us807ns))"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_duration(c.text);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().message, c.message) << c.text;
  }
}

TEST(FormatDuration, UsesLargestUnitsAndSkipsZeroParts) {
  EXPECT_EQ(format_duration(core::Duration::zero()), "0s");
  EXPECT_EQ(format_duration(nanoseconds(1)), "1ns");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(hours(1) + seconds(30)), "1h30s");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(format_duration(hours(8760)), "8760h");
  EXPECT_EQ(format_duration(core::Duration::max()), "2562047h47m16s854ms775us807ns");
  EXPECT_EQ(format_duration(-seconds(5)), "-5s");
  EXPECT_EQ(format_duration(core::Duration::min()), "-2562047h47m16s854ms775us808ns");
}

TEST(FormatDuration, RoundTripsExactly) {
  std::vector<core::Duration> values = {core::Duration::zero(), core::Duration::max()};
  // A spread of magnitudes with every unit's digits populated.
  std::int64_t v = 1;
  for (int i = 0; i < 62; ++i) {
    values.emplace_back(v);
    values.emplace_back(v * 3 + 7);
    v *= 2;
  }
  values.emplace_back(123'456'789'012'345);
  for (auto d : values) {
    const std::string text = format_duration(d);
    auto parsed = parse_duration(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, d) << text;
  }
}

struct SizeCase {
  std::string text;
  std::uint64_t expected;
};

TEST(ParseSize, AcceptsBinaryAndDecimalUnits) {
  const std::vector<SizeCase> cases = {
      {"0B", 0},
      {"100B", 100},
      {"1KB", 1000},
      {"1kB", 1000},
      {"512KiB", 512 * 1024},
      {"64MiB", 64ull << 20},
      {"1MB", 1'000'000},
      {"1GiB", 1ull << 30},
      {"1GB", 1'000'000'000},
      {"2TiB", 2ull << 40},
      {"3TB", 3'000'000'000'000},
      {"1PiB", 1ull << 50},
      {"1PB", 1'000'000'000'000'000},
      {"1.5KiB", 1536},
      {"0.5GB", 500'000'000},
      {"16383PiB", 16383ull << 50},
      {"18446744073709551615B", std::numeric_limits<std::uint64_t>::max()},
  };
  for (const auto& c : cases) {
    auto parsed = parse_size(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(ParseSize, RejectsWithPreciseMessages) {
  const std::vector<ErrorCase> cases = {
      {"", R"(invalid size "": empty; write a number and a unit, e.g. "64MiB")"},
      {"100",
       R"(invalid size "100": missing a unit after "100" (B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB), e.g. "100MiB" or "100B"; a TOML integer (unquoted) also means bytes)"},
      {"1K",
       R"(invalid size "1K": ambiguous unit "K": write "KiB" (1024 bytes) or "KB" (1000 bytes))"},
      {"1k",
       R"(invalid size "1k": ambiguous unit "k": write "KiB" (1024 bytes) or "KB" (1000 bytes))"},
      {"64M",
       R"(invalid size "64M": ambiguous unit "M": write "MiB" (1048576 bytes) or "MB" (1000000 bytes))"},
      {"1G",
       R"(invalid size "1G": ambiguous unit "G": write "GiB" (1073741824 bytes) or "GB" (1000000000 bytes))"},
      {"64mib", R"(invalid size "64mib": unknown unit "mib"; did you mean "MiB"?)"},
      {"64mb", R"(invalid size "64mb": unknown unit "mb"; did you mean "MB"?)"},
      {"1b", R"(invalid size "1b": unknown unit "b"; did you mean "B"?)"},
      {"1XB",
       R"(invalid size "1XB": unknown unit "XB" (expected B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB))"},
      {"64 MiB", R"(invalid size "64 MiB": spaces are not allowed)"},
      {"-1MiB", R"(invalid size "-1MiB": negative values are not allowed)"},
      {"1MiB2KiB",
       R"(invalid size "1MiB2KiB": unexpected "2KiB" after the unit (a size is one number and one unit))"},
      {"1.5B", R"(invalid size "1.5B": not a whole number of bytes)"},
      {"16384PiB", R"(invalid size "16384PiB": too large (at most 18446744073709551615 bytes))"},
      {"18446744073709551616B",
       R"(invalid size "18446744073709551616B": too large (at most 18446744073709551615 bytes))"},
      {"MiB", R"(invalid size "MiB": expected a number at "MiB")"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_size(c.text);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().message, c.message) << c.text;
  }
}

TEST(FormatSize, PicksTheUnitWithTheSmallestWholeNumber) {
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(100), "100B");
  EXPECT_EQ(format_size(1000), "1KB");
  EXPECT_EQ(format_size(1024), "1KiB");
  EXPECT_EQ(format_size(64ull << 20), "64MiB");
  EXPECT_EQ(format_size(1ull << 30), "1GiB");
  EXPECT_EQ(format_size(1'000'000'000), "1GB");
  EXPECT_EQ(format_size(1536), "1536B");
  EXPECT_EQ(format_size(1000 * 1024), "1000KiB");
  EXPECT_EQ(format_size(1023), "1023B");
  EXPECT_EQ(format_size(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615B");
}

TEST(FormatSize, RoundTripsExactly) {
  std::vector<std::uint64_t> values = {
      0,         1,           999,
      1000,      1024,        1536,
      1'000'000, 64ull << 20, std::numeric_limits<std::uint64_t>::max()};
  std::uint64_t v = 1;
  for (int i = 0; i < 64; ++i) {
    values.push_back(v);
    values.push_back(v * 1000);
    v *= 2;
  }
  for (auto n : values) {
    const std::string text = format_size(n);
    auto parsed = parse_size(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, n) << text;
  }
}

}  // namespace
}  // namespace vigil::config
