#include "collectors/tail/regex_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "collectors/tail/pcre2_regex.h"

namespace vigil::collectors::tail {
namespace {

using Pair = std::pair<std::string, std::string>;

std::vector<Pair> pairs(const ParsedLine& out) {
  std::vector<Pair> p;
  for (const auto& f : out.fields) {
    EXPECT_EQ(f.value.type, FieldType::kString);
    p.emplace_back(f.key, f.value.text);
  }
  return p;
}

RegexFieldParser make(std::string_view pattern) {
  auto regex = Pcre2Regex::compile(pattern);
  EXPECT_TRUE(regex.has_value()) << regex.error();
  return RegexFieldParser(std::move(*regex));
}

TEST(RegexParserTest, NamedGroupsBecomeFieldsInGroupOrder) {
  auto parser = make(
      R"(^(?<remote>\S+) \S+ (?<user>\S+) \[(?<time>[^\]]+)\] "(?<method>\S+) (?<path>\S+) [^"]*" (?<status>\d{3}) (?<bytes>\d+|-)$)");
  ParsedLine out;
  ASSERT_TRUE(parser.parse(
      R"(203.0.113.9 - alice [01/May/2024:12:00:00 +0000] "GET /index.html HTTP/1.1" 200 5123)",
      out));
  EXPECT_THAT(pairs(out),
              ::testing::ElementsAre(Pair{"remote", "203.0.113.9"}, Pair{"user", "alice"},
                                     Pair{"time", "01/May/2024:12:00:00 +0000"},
                                     Pair{"method", "GET"}, Pair{"path", "/index.html"},
                                     Pair{"status", "200"}, Pair{"bytes", "5123"}));
}

TEST(RegexParserTest, NoMatchFails) {
  auto parser = make(R"(^(?<level>[A-Z]+): (?<msg>.*)$)");
  ParsedLine out;
  EXPECT_FALSE(parser.parse("lowercase: no", out));
  EXPECT_TRUE(out.fields.empty());
  EXPECT_TRUE(parser.parse("WARN: yes", out));
}

TEST(RegexParserTest, UnsetGroupsAreSkippedAndEmptyOnesKept) {
  auto parser = make(R"(^(?<a>x)?(?<b>y*)(?<c>z)?$)");
  ParsedLine out;
  ASSERT_TRUE(parser.parse("z", out));
  EXPECT_THAT(pairs(out), ::testing::ElementsAre(Pair{"b", ""}, Pair{"c", "z"}));
}

TEST(RegexParserTest, UnanchoredPatternsMatchAnywhere) {
  auto parser = make(R"(user=(?<user>\w+))");
  ParsedLine out;
  ASSERT_TRUE(parser.parse("login ok user=bob from 10.0.0.1", out));
  EXPECT_THAT(pairs(out), ::testing::ElementsAre(Pair{"user", "bob"}));
}

TEST(RegexParserTest, InvalidUtf8SubjectsAreSafe) {
  auto parser = make(R"(^(?<all>.*)$)");
  ParsedLine out;
  // PCRE2_MATCH_INVALID_UTF: no error, '.' simply does not match the bad byte.
  EXPECT_FALSE(
      parser.parse("ab\xFF"
                   "cd",
                   out));
  EXPECT_TRUE(parser.parse("\xC3\xA9t\xC3\xA9", out));
  EXPECT_THAT(pairs(out), ::testing::ElementsAre(Pair{"all", "\xC3\xA9t\xC3\xA9"}));
}

TEST(Pcre2RegexTest, CompileErrorsNameTheOffset) {
  auto regex = Pcre2Regex::compile("ab(c");
  ASSERT_FALSE(regex.has_value());
  EXPECT_THAT(regex.error(), ::testing::HasSubstr("missing closing parenthesis"));
  EXPECT_THAT(regex.error(), ::testing::HasSubstr("offset 4"));
}

TEST(Pcre2RegexTest, GroupsAndNames) {
  auto regex = Pcre2Regex::compile(R"((?<b>x)(y)(?<a>z))");
  ASSERT_TRUE(regex.has_value());
  EXPECT_EQ(regex->capture_count(), 3u);
  ASSERT_EQ(regex->named_groups().size(), 2u);
  EXPECT_EQ(regex->named_groups()[0].name, "b");
  EXPECT_EQ(regex->named_groups()[0].number, 1u);
  EXPECT_EQ(regex->named_groups()[1].name, "a");
  EXPECT_EQ(regex->named_groups()[1].number, 3u);
  Pcre2Matcher matcher(*regex);
  ASSERT_TRUE(matcher.match("--xyz--"));
  EXPECT_EQ(matcher.group(0), "xyz");
  EXPECT_EQ(matcher.group(2), "y");
  EXPECT_EQ(matcher.group(4), std::nullopt);
  EXPECT_FALSE(matcher.match("xy"));
  EXPECT_EQ(matcher.group(0), std::nullopt);
  EXPECT_EQ(matcher.last_error(), 0);
  EXPECT_TRUE(matcher.match(std::string_view()) == false);
}

TEST(Pcre2RegexTest, CatastrophicBacktrackingIsBoundedAndReported) {
  auto regex = Pcre2Regex::compile(R"(^(a+)+$)");
  ASSERT_TRUE(regex.has_value());
  Pcre2Matcher matcher(*regex);
  const std::string subject = std::string(40, 'a') + "b";
  EXPECT_FALSE(matcher.match(subject));
  EXPECT_NE(matcher.last_error(), 0);  // the match limit, not a plain "no match"
  EXPECT_TRUE(matcher.match("aaaa"));
  EXPECT_EQ(matcher.last_error(), 0);
}

TEST(Pcre2RegexTest, PatternsNeedingAJitStackBeyondTheDefaultStillMatch) {
  // Each nested group iteration of a long subject takes JIT stack; 32 KiB runs out.
  auto regex = Pcre2Regex::compile(R"(^(?:(a)|b)*$)");
  ASSERT_TRUE(regex.has_value());
  Pcre2Matcher matcher(*regex);
  const std::string subject(20000, 'a');
  EXPECT_TRUE(matcher.match(subject)) << "error " << matcher.last_error();
  EXPECT_EQ(matcher.group(1), "a");
}

TEST(Pcre2RegexTest, MovedRegexAndMatcherKeepWorking) {
  auto compiled = Pcre2Regex::compile("(?<d>\\d+)");
  ASSERT_TRUE(compiled.has_value());
  Pcre2Regex regex = std::move(*compiled);
  Pcre2Matcher first(regex);
  Pcre2Matcher matcher = std::move(first);
  ASSERT_TRUE(matcher.match("id 77"));
  EXPECT_EQ(matcher.group(1), "77");
}

}  // namespace
}  // namespace vigil::collectors::tail
