#include "agent/core/retry_policy.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

#include "tests/unit/support/fake_clock.h"

namespace vigil::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

RetryConfig config(Duration initial, Duration max, double multiplier = 2.0) {
  RetryConfig c;
  c.initial_interval = initial;
  c.max_interval = max;
  c.multiplier = multiplier;
  return c;
}

TEST(RetryPolicyTest, CeilingGrowsByTheMultiplierAndCapsAtMaxInterval) {
  RetryPolicy p(config(seconds(1), seconds(30)));
  EXPECT_EQ(p.backoff_ceiling(0), seconds(1));
  EXPECT_EQ(p.backoff_ceiling(1), seconds(2));
  EXPECT_EQ(p.backoff_ceiling(2), seconds(4));
  EXPECT_EQ(p.backoff_ceiling(3), seconds(8));
  EXPECT_EQ(p.backoff_ceiling(4), seconds(16));
  EXPECT_EQ(p.backoff_ceiling(5), seconds(30));
  EXPECT_EQ(p.backoff_ceiling(64), seconds(30));
  EXPECT_EQ(p.backoff_ceiling(2000), seconds(30));
  EXPECT_EQ(p.backoff_ceiling(std::numeric_limits<std::uint32_t>::max()), seconds(30));

  RetryPolicy odd(config(milliseconds(100), seconds(1), 1.5));
  EXPECT_EQ(odd.backoff_ceiling(1), milliseconds(150));
  EXPECT_EQ(odd.backoff_ceiling(2), milliseconds(225));
  EXPECT_EQ(odd.backoff_ceiling(10), seconds(1));

  RetryPolicy flat(config(seconds(5), seconds(30), 1.0));
  EXPECT_EQ(flat.backoff_ceiling(1000), seconds(5));

  RetryPolicy inverted(config(seconds(60), seconds(30)));
  EXPECT_EQ(inverted.backoff_ceiling(0), seconds(30));
}

TEST(RetryPolicyTest, DelayIsTheJitterFractionOfTheCeiling) {
  RetryPolicy p(config(seconds(1), seconds(30)));
  testing::ScriptedRandom random{0.0, 0.5, 0.999};
  EXPECT_EQ(p.delay(3, std::nullopt, random), Duration::zero());
  EXPECT_EQ(p.delay(3, std::nullopt, random), seconds(4));
  EXPECT_EQ(p.delay(3, std::nullopt, random), milliseconds(7992));
  EXPECT_EQ(p.delay(10, std::nullopt, random), milliseconds(29970));
}

TEST(RetryPolicyTest, RetryAfterReplacesJitterAndIsClamped) {
  RetryPolicy p(config(seconds(1), seconds(30)));
  testing::ScriptedRandom random{0.0};
  EXPECT_EQ(p.delay(0, seconds(120), random), seconds(120));  // beyond max_interval: honoured
  EXPECT_EQ(p.delay(0, Duration::zero(), random), Duration::zero());
  EXPECT_EQ(p.delay(0, seconds(-5), random), Duration::zero());
  EXPECT_EQ(p.delay(0, std::chrono::hours(3), random), RetryPolicy::kMaxRetryAfter);
  EXPECT_EQ(RetryPolicy::kMaxRetryAfter, minutes(10));
}

TEST(RetryPolicyTest, ExhaustedOnlyWithAnElapsedLimit) {
  RetryConfig unlimited = config(seconds(1), seconds(30));
  EXPECT_FALSE(RetryPolicy(unlimited).exhausted(std::chrono::hours(24 * 365)));
  RetryConfig limited = unlimited;
  limited.max_elapsed_time = minutes(5);
  RetryPolicy p(limited);
  EXPECT_FALSE(p.exhausted(Duration::zero()));
  EXPECT_FALSE(p.exhausted(minutes(5) - Duration(1)));
  EXPECT_TRUE(p.exhausted(minutes(5)));
  EXPECT_TRUE(p.exhausted(minutes(6)));
}

// 2023-11-14T22:13:20Z, a Tuesday.
constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

struct RetryAfterCase {
  std::string_view value;
  std::optional<Duration> expected;
};

TEST(ParseRetryAfterTest, Table) {
  const RetryAfterCase cases[] = {
      // delay-seconds
      {"0", seconds(0)},
      {"120", seconds(120)},
      {"  7\t", seconds(7)},
      {"0000000000000000000000000000000042", seconds(42)},
      {"99999999999999999999999999", seconds(1'000'000'000)},
      // IMF-fixdate
      {"Tue, 14 Nov 2023 22:14:05 GMT", seconds(45)},
      {"Wed, 15 Nov 2023 22:13:20 GMT", seconds(86400)},
      {"Tue, 14 Nov 2023 22:13:20 GMT", seconds(0)},
      {"Sun, 06 Nov 1994 08:49:37 GMT", seconds(0)},          // past
      {"Fri, 01 Mar 2024 00:00:00 GMT", seconds(9'251'200)},  // across 29 Feb 2024
      {"Tue, 14 Nov 2023 22:13:80 GMT", std::nullopt},
      {"Tue, 14 Nov 2023 24:00:00 GMT", std::nullopt},
      {"Tue, 31 Nov 2023 22:13:20 GMT", std::nullopt},
      {"Thu, 29 Feb 2023 10:00:00 GMT", std::nullopt},
      {"Tue, 14 Nov 2023 22:14:05 UTC", std::nullopt},
      {"Tue, 14 nov 2023 22:14:05 GMT", std::nullopt},
      {"Tue, 14 Nov 2023 22:14:05 GMT x", std::nullopt},
      {"Tue, 4 Nov 2023 22:14:05 GMT", std::nullopt},
      {"Tuesday, 14 Nov 2023 22:14:05 GMT", std::nullopt},
      // RFC 850
      {"Tuesday, 14-Nov-23 22:14:05 GMT", seconds(45)},
      {"Sunday, 06-Nov-94 08:49:37 GMT", seconds(0)},  // 1994, not 2094
      {"Tue, 14-Nov-23 22:14:05 GMT", std::nullopt},
      {"Tuesday, 14-Nov-2023 22:14:05 GMT", std::nullopt},
      // asctime
      {"Tue Nov 14 22:14:05 2023", seconds(45)},
      {"Sun Nov  6 08:49:37 1994", seconds(0)},
      {"Wed Nov 15 22:13:20 2023", seconds(86400)},
      {"Tue Nov 14 22:14:05 2023 GMT", std::nullopt},
      {"Sun Nov 6 08:49:37 1994", std::nullopt},
      // garbage
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"-1", std::nullopt},
      {"+5", std::nullopt},
      {"1.5", std::nullopt},
      {"10s", std::nullopt},
      {"soon", std::nullopt},
      {"0x10", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_retry_after(c.value, kNow), c.expected) << "value: \"" << c.value << "\"";
  }
}

TEST(ParseRetryAfterTest, DateIsMeasuredFromTheExactNow) {
  // Half a second past 22:13:20, a date at 22:13:21 is half a second away.
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:21 GMT", kNow + 500'000'000),
            milliseconds(500));
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:20 GMT", kNow + 500'000'000),
            Duration::zero());
}

TEST(ParseRetryAfterTest, TwoDigitYearsMoreThanFiftyYearsAheadAreInThePast) {
  // From 2023: "30" is 2030, "73" is 2073 (50 years ahead, beyond the cap), "74" is 1974.
  EXPECT_EQ(parse_retry_after("Thursday, 14-Nov-30 22:13:20 GMT", kNow), seconds(220'924'800));
  EXPECT_EQ(parse_retry_after("Tuesday, 14-Nov-73 22:13:20 GMT", kNow), seconds(1'000'000'000));
  EXPECT_EQ(parse_retry_after("Wednesday, 14-Nov-74 22:13:20 GMT", kNow), Duration::zero());
}

TEST(ParseRetryAfterTest, IgnoresTheProcessTimeZone) {
  ::setenv("TZ", "America/New_York", 1);
  ::tzset();
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:14:05 GMT", kNow), seconds(45));
  ::unsetenv("TZ");
  ::tzset();
}

}  // namespace
}  // namespace vigil::core
