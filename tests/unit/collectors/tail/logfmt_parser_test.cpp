#include "collectors/tail/logfmt_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil::collectors::tail {
namespace {

using Pair = std::pair<std::string, std::string>;

class LogfmtParserTest : public ::testing::Test {
 protected:
  bool parse(std::string_view line) {
    out_.clear();
    return parse_logfmt(line, out_);
  }
  std::vector<Pair> pairs() const {
    std::vector<Pair> p;
    for (const auto& f : out_.fields) p.emplace_back(f.key, f.value.text);
    return p;
  }
  const FieldValue& value(std::size_t i) const { return out_.fields.at(i).value; }
  ParsedLine out_;
};

TEST_F(LogfmtParserTest, PairsWithTypedUnquotedValues) {
  ASSERT_TRUE(
      parse("ts=2024-05-01T12:00:00Z level=info n=42 ratio=0.75 ok=true off=false "
            "neg=-7 exp=1e3 msg=hello"));
  EXPECT_THAT(pairs(),
              ::testing::ElementsAre(Pair{"ts", "2024-05-01T12:00:00Z"}, Pair{"level", "info"},
                                     Pair{"n", "42"}, Pair{"ratio", "0.75"}, Pair{"ok", "true"},
                                     Pair{"off", "false"}, Pair{"neg", "-7"}, Pair{"exp", "1e3"},
                                     Pair{"msg", "hello"}));
  EXPECT_EQ(value(0).type, FieldType::kString);
  EXPECT_EQ(value(2).type, FieldType::kInt);
  EXPECT_EQ(value(2).int_value, 42);
  EXPECT_EQ(value(3).type, FieldType::kDouble);
  EXPECT_EQ(value(3).double_value, 0.75);
  EXPECT_EQ(value(4).type, FieldType::kBool);
  EXPECT_TRUE(value(4).bool_value);
  EXPECT_FALSE(value(5).bool_value);
  EXPECT_EQ(value(6).int_value, -7);
  EXPECT_EQ(value(7).double_value, 1000.0);
}

TEST_F(LogfmtParserTest, QuotedValuesAreStringsWithEscapes) {
  ASSERT_TRUE(parse(R"(msg="user \"bob\" logged in" path="C:\\tmp" n="42" nl="a\nb\tc")"));
  EXPECT_THAT(pairs(),
              ::testing::ElementsAre(Pair{"msg", "user \"bob\" logged in"}, Pair{"path", "C:\\tmp"},
                                     Pair{"n", "42"}, Pair{"nl", "a\nb\tc"}));
  EXPECT_EQ(value(2).type, FieldType::kString);
}

TEST_F(LogfmtParserTest, UnicodeEscapes) {
  ASSERT_TRUE(parse(R"(a="caf\u00e9" b="\ud83d\ude00" c="\u20ac\/")"));
  EXPECT_THAT(pairs(),
              ::testing::ElementsAre(Pair{"a", "caf\xC3\xA9"}, Pair{"b", "\xF0\x9F\x98\x80"},
                                     Pair{"c", "\xE2\x82\xAC/"}));
  EXPECT_FALSE(parse(R"(a="\ud800")"));
  EXPECT_FALSE(parse(R"(a="\ud800\u0041")"));
  EXPECT_FALSE(parse(R"(a="\udc00")"));
  EXPECT_FALSE(parse(R"(a="\u12")"));
  EXPECT_FALSE(parse(R"(a="\q")"));
}

TEST_F(LogfmtParserTest, BareKeysEmptyValuesAndSpacing) {
  ASSERT_TRUE(parse("  a=1\t\tflag  b= c=\"\"  "));
  EXPECT_THAT(pairs(), ::testing::ElementsAre(Pair{"a", "1"}, Pair{"flag", ""}, Pair{"b", ""},
                                              Pair{"c", ""}));
  EXPECT_EQ(value(1).type, FieldType::kBool);
  EXPECT_TRUE(value(1).bool_value);
  EXPECT_EQ(value(2).type, FieldType::kString);
}

TEST_F(LogfmtParserTest, EqualsSignsInsideUnquotedValues) {
  ASSERT_TRUE(parse("url=http://x/?a=b&c=d status=200"));
  EXPECT_THAT(pairs(),
              ::testing::ElementsAre(Pair{"url", "http://x/?a=b&c=d"}, Pair{"status", "200"}));
}

TEST_F(LogfmtParserTest, NumbersThatWouldLoseDigitsStayText) {
  ASSERT_TRUE(parse("zip=01234 big=99999999999999999999 huge=1e999 hex=0x1F dot=1. zero=0"));
  EXPECT_EQ(value(0).type, FieldType::kString);
  EXPECT_EQ(value(1).type, FieldType::kString);
  EXPECT_EQ(value(1).text, "99999999999999999999");
  EXPECT_EQ(value(2).type, FieldType::kString);
  EXPECT_EQ(value(3).type, FieldType::kString);
  EXPECT_EQ(value(4).type, FieldType::kString);
  EXPECT_EQ(value(5).type, FieldType::kInt);
}

TEST_F(LogfmtParserTest, DuplicateKeysLastWinsAfterDeduplication) {
  ASSERT_TRUE(parse("a=1 b=2 a=3"));
  out_.deduplicate_fields();
  EXPECT_THAT(pairs(), ::testing::ElementsAre(Pair{"a", "3"}, Pair{"b", "2"}));
}

TEST_F(LogfmtParserTest, Rejects) {
  for (std::string_view bad :
       {"", "   ", "just some words", "=value", "a=1 =2", "a=\"unterminated", "a=\"x\\\"",
        "a=\"x\"b", "a=b\"c", "k\"ey=1", "a=1 \"quoted\"", "a=\"x\\"}) {
    EXPECT_FALSE(parse(bad)) << bad;
  }
}

TEST_F(LogfmtParserTest, ViewsPointIntoTheLineUnlessUnescaped) {
  const std::string line = R"(a=plain b="quoted" c="esc\"aped")";
  ASSERT_TRUE(parse(line));
  const auto inside = [&](std::string_view v) {
    return v.data() >= line.data() && v.data() + v.size() <= line.data() + line.size();
  };
  EXPECT_TRUE(inside(out_.fields[0].value.text));
  EXPECT_TRUE(inside(out_.fields[1].value.text));
  EXPECT_FALSE(inside(out_.fields[2].value.text));
  EXPECT_EQ(out_.fields[2].value.text, "esc\"aped");
}

}  // namespace
}  // namespace vigil::collectors::tail
