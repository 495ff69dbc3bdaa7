#include "collectors/tail/timestamp_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace vigil::collectors::tail {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
// 2024-05-01T12:00:00Z
constexpr std::int64_t kMay1Noon = 1'714'564'800LL * kSecond;

std::optional<std::int64_t> parse_with(std::string_view spec, std::string_view text) {
  auto format = TimestampFormat::parse(spec);
  EXPECT_TRUE(format.has_value()) << spec << ": " << format.error();
  if (!format) return std::nullopt;
  return format->parse_text(text);
}

TEST(TimestampFormatTest, DaysFromCivil) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2024, 5, 1) * 86400 * kSecond, kMay1Noon - 12 * 3600 * kSecond);
}

TEST(TimestampFormatTest, Rfc3339Variants) {
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00Z"), kMay1Noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01t12:00:00z"), kMay1Noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01 12:00:00Z"), kMay1Noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.5Z"), kMay1Noon + kSecond / 2);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.123456789Z"), kMay1Noon + 123'456'789);
  // Digits past nanoseconds are read and dropped.
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00.1234567899999Z"), kMay1Noon + 123'456'789);
  EXPECT_EQ(parse_rfc3339("2024-05-01T14:30:00+02:30"), kMay1Noon);
  EXPECT_EQ(parse_rfc3339("2024-05-01T07:00:00.250-05:00"), kMay1Noon + kSecond / 4);
  EXPECT_EQ(parse_rfc3339("2024-05-01T12:00:00-00:00"), kMay1Noon);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59Z"), -kSecond);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1'709'164'800LL * kSecond);  // leap day
  // A leap second folds into the second before it.
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), parse_rfc3339("2016-12-31T23:59:59Z"));
}

TEST(TimestampFormatTest, Rfc3339Rejects) {
  for (std::string_view bad :
       {"", "2024-05-01", "2024-05-01T12:00:00", "2024-05-01T12:00Z", "2024-5-01T12:00:00Z",
        "2024-05-01X12:00:00Z", "2024-13-01T12:00:00Z", "2023-02-29T00:00:00Z",
        "2024-04-31T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z",
        "2024-05-01T12:00:61Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0200",
        "2024-05-01T12:00:00+24:00", "2024-05-01T12:00:00Z trailing", " 2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00+02:60"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

TEST(TimestampFormatTest, Rfc3339OutOfNanosecondRange) {
  EXPECT_EQ(parse_rfc3339("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
  EXPECT_EQ(parse_rfc3339("2262-04-11T23:47:16.854775808Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339("9999-12-31T23:59:59Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339("0001-01-01T00:00:00Z"), std::nullopt);
}

TEST(TimestampFormatTest, UnixVariants) {
  EXPECT_EQ(parse_with("unix", "1714564800"), kMay1Noon);
  EXPECT_EQ(parse_with("unix", "1714564800.25"), kMay1Noon + kSecond / 4);
  EXPECT_EQ(parse_with("unix", "-1.5"), -kSecond - kSecond / 2);
  EXPECT_EQ(parse_with("unix_ms", "1714564800123"), kMay1Noon + 123'000'000);
  EXPECT_EQ(parse_with("unix_ms", "1714564800123.5"), kMay1Noon + 123'500'000);
  EXPECT_EQ(parse_with("unix_us", "1714564800123456"), kMay1Noon + 123'456'000);
  EXPECT_EQ(parse_with("unix_ns", "1714564800123456789"), kMay1Noon + 123'456'789);
  for (std::string_view bad : {"", "-", "1e9", "12a", "1.", ".5", " 1", "99999999999999999999"}) {
    EXPECT_EQ(parse_with("unix", bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_with("unix", "9223372037"), std::nullopt);  // beyond 2262
}

TEST(TimestampFormatTest, TypedNumbersInUnixFormats) {
  const auto unix = *TimestampFormat::parse("unix");
  EXPECT_EQ(unix.from_integer(1714564800), kMay1Noon);
  EXPECT_EQ(unix.from_double(1714564800.5), kMay1Noon + kSecond / 2);
  EXPECT_EQ(unix.from_integer(INT64_MAX / 10), std::nullopt);
  EXPECT_EQ(unix.from_double(1e300), std::nullopt);
  EXPECT_EQ(unix.from_double(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
  const auto ms = *TimestampFormat::parse("unix_ms");
  EXPECT_EQ(ms.from_integer(1714564800123), kMay1Noon + 123'000'000);
  const auto ns = *TimestampFormat::parse("unix_ns");
  EXPECT_EQ(ns.from_integer(kMay1Noon), kMay1Noon);
  const auto rfc = *TimestampFormat::parse("rfc3339");
  EXPECT_EQ(rfc.from_integer(1714564800), std::nullopt);
}

TEST(TimestampFormatTest, StrptimePatterns) {
  // nginx/Apache access log
  EXPECT_EQ(parse_with("%d/%b/%Y:%H:%M:%S %z", "01/May/2024:14:00:00 +0200"), kMay1Noon);
  EXPECT_EQ(parse_with("%d/%b/%Y:%H:%M:%S %z", "01/may/2024:12:00:00 Z"), kMay1Noon);
  EXPECT_EQ(parse_with("%Y-%m-%d %H:%M:%S,%f", "2024-05-01 12:00:00,123"), kMay1Noon + 123'000'000);
  EXPECT_EQ(parse_with("%F %T.%f", "2024-05-01 12:00:00.000001"), kMay1Noon + 1'000);
  EXPECT_EQ(parse_with("%a %b %e %T %Y", "Wed May  1 12:00:00 2024"), kMay1Noon);
  EXPECT_EQ(parse_with("%A, %d %B %Y %I:%M %p", "Wednesday, 01 May 2024 12:00 PM"), kMay1Noon);
  EXPECT_EQ(parse_with("%d.%m.%y %I:%M:%S %p", "01.05.24 12:00:00 am"),
            kMay1Noon - 12 * 3600 * kSecond);
  EXPECT_EQ(parse_with("%Y%m%d %H%M%S", "20240501 120000"), kMay1Noon);
  EXPECT_EQ(parse_with("%Y-%j", "2024-122"), kMay1Noon - 12 * 3600 * kSecond);
  EXPECT_EQ(parse_with("%s.%f", "1714564800.5"), kMay1Noon + kSecond / 2);
  EXPECT_EQ(parse_with("%Y-%m-%dT%H:%M:%S%z", "2024-05-01T12:00:00-0130"),
            kMay1Noon + 90 * 60 * kSecond);
  EXPECT_EQ(parse_with("%Y 100%%", "2024 100%"), days_from_civil(2024, 1, 1) * 86400 * kSecond);
}

TEST(TimestampFormatTest, StrptimePatternMismatches) {
  EXPECT_EQ(parse_with("%d/%b/%Y:%H:%M:%S %z", "01/Mai/2024:14:00:00 +0200"), std::nullopt);
  EXPECT_EQ(parse_with("%Y-%m-%d", "2024-05-01 extra"), std::nullopt);
  EXPECT_EQ(parse_with("%Y-%m-%d", "2024-02-30"), std::nullopt);
  EXPECT_EQ(parse_with("%Y-%m-%d %H", "2024-05-01 25"), std::nullopt);
  EXPECT_EQ(parse_with("%Y-%j", "2023-366"), std::nullopt);
  EXPECT_EQ(parse_with("%Y %I %p", "2024 13 PM"), std::nullopt);
  EXPECT_EQ(parse_with("%Y %p %I", "2024 XM 1"), std::nullopt);
  EXPECT_EQ(parse_with("%Y", "24"), std::nullopt);
}

TEST(TimestampFormatTest, BadPatternsAreRejectedWithAReason) {
  auto f = TimestampFormat::parse("%b %e %H:%M:%S");
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().find("year"), std::string::npos);
  f = TimestampFormat::parse("%Y %Q");
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().find("%Q"), std::string::npos);
  EXPECT_FALSE(TimestampFormat::parse("%Y %").has_value());
  EXPECT_FALSE(TimestampFormat::parse("%Y %I:%M").has_value());
  EXPECT_FALSE(TimestampFormat::parse("").has_value());
  EXPECT_EQ(TimestampFormat::parse("unix_ms")->kind(), TimestampFormat::Kind::kUnixMillis);
}

}  // namespace
}  // namespace vigil::collectors::tail
