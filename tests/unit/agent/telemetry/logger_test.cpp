#include "agent/telemetry/logger.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/support/fake_clock.h"

namespace vigil::telemetry {
namespace {

struct Capture {
  std::vector<std::string> lines;
  Logger::Sink sink() {
    return [this](std::string_view l) { lines.emplace_back(l); };
  }
};

TEST(Logger, TextFormatAndLevels) {
  testing::FakeClock clock;
  clock.set_unix_nanos(1'700'000'000'123'000'000);  // 2023-11-14T22:13:20.123Z
  Capture cap;
  Logger log({.level = LogLevel::kInfo}, clock, cap.sink());
  log.debug("core", "hidden {}", 1);
  log.info("exporter/otlp", "sent {} items", 42);
  log.error("api", "boom");
  ASSERT_EQ(cap.lines.size(), 2u);
  EXPECT_EQ(cap.lines[0], "2023-11-14T22:13:20.123Z INFO  exporter/otlp: sent 42 items");
  EXPECT_EQ(cap.lines[1], "2023-11-14T22:13:20.123Z ERROR api: boom");
}

TEST(Logger, JsonFormatEscapes) {
  testing::FakeClock clock;
  clock.set_unix_nanos(1'700'000'000'000'000'000);
  Capture cap;
  Logger log({.level = LogLevel::kDebug, .format = LogFormat::kJson}, clock, cap.sink());
  log.warn("tail", "bad \"line\"\n{}", "x");
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_EQ(
      cap.lines[0],
      R"({"ts":"2023-11-14T22:13:20.000Z","level":"warn","component":"tail","msg":"bad \"line\"\nx"})");
}

TEST(Logger, RateLimitsRepeatedErrorsPerFormat) {
  testing::FakeClock clock;
  Capture cap;
  Logger log({.level = LogLevel::kInfo, .burst = 3, .window = std::chrono::seconds(60)}, clock,
             cap.sink());
  for (int i = 0; i < 10; ++i) log.error("exp", "send failed: {}", i);
  log.error("exp", "another message");  // a different format string is limited separately
  EXPECT_EQ(cap.lines.size(), 4u);
  EXPECT_EQ(log.suppressed_total(), 7u);
  clock.advance(std::chrono::seconds(61));
  log.error("exp", "send failed: {}", 99);
  ASSERT_EQ(cap.lines.size(), 5u);
  EXPECT_NE(cap.lines.back().find("send failed: 99 (suppressed 7 similar messages"),
            std::string::npos)
      << cap.lines.back();
}

TEST(Logger, InfoIsNotRateLimited) {
  testing::FakeClock clock;
  Capture cap;
  Logger log({.level = LogLevel::kInfo, .burst = 1}, clock, cap.sink());
  for (int i = 0; i < 5; ++i) log.info("x", "hello {}", i);
  EXPECT_EQ(cap.lines.size(), 5u);
}

TEST(Logger, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarn);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(parse_log_format("xml"), std::nullopt);
}

}  // namespace
}  // namespace vigil::telemetry
