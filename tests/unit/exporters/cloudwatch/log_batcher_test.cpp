#include "exporters/cloudwatch/log_batcher.h"

#include <rapidjson/document.h>

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

struct Decoded {
  std::string group;
  std::string stream;
  std::vector<LogEvent> events;
};

std::string string_member(const rapidjson::Value& object, const char* key) {
  const auto member = object.FindMember(key);
  if (member == object.MemberEnd() || !member->value.IsString()) {
    ADD_FAILURE() << "no string " << key;
    return {};
  }
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

Decoded decode(const std::string& body) {
  rapidjson::Document root;
  root.Parse(body.data(), body.size());
  Decoded d;
  if (root.HasParseError() || !root.IsObject()) {
    ADD_FAILURE() << "not a JSON object: " << body;
    return d;
  }
  d.group = string_member(root, "logGroupName");
  d.stream = string_member(root, "logStreamName");
  const auto events = root.FindMember("logEvents");
  if (events == root.MemberEnd() || !events->value.IsArray()) {
    ADD_FAILURE() << "no logEvents array";
    return d;
  }
  for (const auto& e : events->value.GetArray()) {
    if (!e.IsObject()) {
      ADD_FAILURE() << "an event that is not an object";
      continue;
    }
    const auto timestamp = e.FindMember("timestamp");
    if (timestamp == e.MemberEnd() || !timestamp->value.IsInt64()) {
      ADD_FAILURE() << "an event without an integer timestamp";
      continue;
    }
    d.events.push_back({timestamp->value.GetInt64(), string_member(e, "message")});
  }
  return d;
}

std::size_t batch_bytes(const Decoded& d) {
  std::size_t n = 0;
  for (const auto& e : d.events) n += e.message.size() + 26;
  return n;
}

TEST(LogBatcher, SortsByTimestampKeepingTheOrderOfEqualOnes) {
  LogBatchStats stats;
  auto bodies =
      build_put_log_events("/g", "s", {{30, "c"}, {10, "a"}, {30, "d"}, {20, "b"}}, stats);
  ASSERT_EQ(bodies.size(), 1u);
  auto d = decode(bodies[0].body);
  EXPECT_EQ(d.group, "/g");
  EXPECT_EQ(d.stream, "s");
  ASSERT_EQ(d.events.size(), 4u);
  EXPECT_EQ(d.events[0].message, "a");
  EXPECT_EQ(d.events[1].message, "b");
  EXPECT_EQ(d.events[2].message, "c");
  EXPECT_EQ(d.events[3].message, "d");
  EXPECT_EQ(bodies[0].first_timestamp_ms, 10);
  EXPECT_EQ(bodies[0].last_timestamp_ms, 30);
}

TEST(LogBatcher, SplitsAt10000Events) {
  std::vector<LogEvent> events;
  for (int i = 0; i < 15000; ++i) events.push_back({1000 + i, "line " + std::to_string(i)});
  LogBatchStats stats;
  auto bodies = build_put_log_events("/g", "s", events, stats);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0].events, 10000u);
  EXPECT_EQ(bodies[1].events, 5000u);
  EXPECT_EQ(decode(bodies[1].body).events.front().message, "line 10000");
}

TEST(LogBatcher, SplitsByBytesCountingTheOverhead) {
  // 100 KiB messages: 10 of them (+26 each) exceed 1 MiB, 10 without the overhead do not.
  std::vector<LogEvent> events(25, {1, std::string(104'857, 'x')});
  LogBatchStats stats;
  auto bodies = build_put_log_events("/g", "s", events, stats);
  std::size_t total = 0;
  for (const auto& b : bodies) {
    auto d = decode(b.body);
    EXPECT_LE(batch_bytes(d), 1'048'576u);
    total += d.events.size();
  }
  EXPECT_EQ(total, 25u);
  EXPECT_EQ(bodies[0].events, 9u);  // 10 * (104857 + 26) = 1048830 > 1048576
}

TEST(LogBatcher, KeepsEachRequestWithinADay) {
  const std::int64_t day = 24LL * 3600 * 1000;
  LogBatchStats stats;
  auto bodies = build_put_log_events(
      "/g", "s", {{0, "a"}, {day - 1, "b"}, {day, "c"}, {day + 5, "d"}, {3 * day, "e"}}, stats);
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0].events, 2u);
  EXPECT_EQ(bodies[1].events, 2u);
  EXPECT_EQ(bodies[2].events, 1u);
}

TEST(LogBatcher, TruncatesLongEventsAtACharacterBoundaryAndCountsThem) {
  std::string long_message = "\xc3\xa9" + std::string(300'000, 'x');
  std::string multibyte(262'117, 'y');
  multibyte += "\xe2\x82\xac";  // a 3-byte character straddling the limit
  LogBatchStats stats;
  auto bodies =
      build_put_log_events("/g", "s", {{1, long_message}, {2, multibyte}, {3, "ok"}}, stats);
  EXPECT_EQ(stats.truncated, 2u);
  std::size_t sizes[3] = {};
  std::size_t n = 0;
  for (const auto& b : bodies) {
    for (const auto& e : decode(b.body).events) sizes[n++] = e.message.size();
  }
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(sizes[0], 262'118u);
  EXPECT_EQ(sizes[1], 262'117u);  // the euro sign did not fit whole
  EXPECT_EQ(sizes[2], 2u);
}

TEST(LogBatcher, RepairsInvalidUtf8AndDropsEmptyMessages) {
  LogBatchStats stats;
  auto bodies = build_put_log_events("/g", "s", {{1, "bad \xff byte"}, {2, ""}}, stats);
  ASSERT_EQ(bodies.size(), 1u);
  auto d = decode(bodies[0].body);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].message, "bad \xef\xbf\xbd byte");
  EXPECT_EQ(stats.empty, 1u);
  EXPECT_TRUE(build_put_log_events("/g", "s", {}, stats).empty());
}

TEST(LogBatcher, Utf8PrefixLength) {
  EXPECT_EQ(utf8_prefix_length("abc", 5), 3u);
  EXPECT_EQ(utf8_prefix_length("ab\xc3\xa9", 3), 2u);
  EXPECT_EQ(utf8_prefix_length("ab\xc3\xa9", 4), 4u);
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
