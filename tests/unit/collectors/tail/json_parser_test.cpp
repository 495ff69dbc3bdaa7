#include "collectors/tail/json_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vigil::collectors::tail {
namespace {

// Looks a field up by key; fails the test when absent.
const FieldValue& field(const ParsedLine& out, std::string_view key) {
  for (const auto& f : out.fields) {
    if (f.key == key) return f.value;
  }
  ADD_FAILURE() << "no field " << key;
  static const FieldValue kNone;
  return kNone;
}

std::vector<std::string> keys(const ParsedLine& out) {
  std::vector<std::string> k;
  for (const auto& f : out.fields) k.emplace_back(f.key);
  return k;
}

class JsonParserTest : public ::testing::Test {
 protected:
  bool parse(std::string_view line) {
    out_.clear();
    return json_.parse(line, out_);
  }
  JsonFieldParser json_;
  ParsedLine out_;
};

TEST_F(JsonParserTest, ScalarsAreTyped) {
  ASSERT_TRUE(parse(R"({"s":"text","i":-42,"d":2.5,"e":1e3,"t":true,"f":false,"n":null})"));
  EXPECT_THAT(keys(out_), ::testing::ElementsAre("s", "i", "d", "e", "t", "f", "n"));
  EXPECT_EQ(field(out_, "s").type, FieldType::kString);
  EXPECT_EQ(field(out_, "s").text, "text");
  EXPECT_EQ(field(out_, "i").type, FieldType::kInt);
  EXPECT_EQ(field(out_, "i").int_value, -42);
  EXPECT_EQ(field(out_, "i").text, "-42");
  EXPECT_EQ(field(out_, "d").type, FieldType::kDouble);
  EXPECT_EQ(field(out_, "d").double_value, 2.5);
  EXPECT_EQ(field(out_, "e").type, FieldType::kDouble);
  EXPECT_EQ(field(out_, "e").double_value, 1000.0);
  EXPECT_EQ(field(out_, "t").type, FieldType::kBool);
  EXPECT_TRUE(field(out_, "t").bool_value);
  EXPECT_FALSE(field(out_, "f").bool_value);
  EXPECT_EQ(field(out_, "n").type, FieldType::kNull);
}

TEST_F(JsonParserTest, NestedObjectsAreFlattenedWithDots) {
  ASSERT_TRUE(parse(
      R"({"http":{"method":"GET","response":{"status":200,"headers":{}}},"k8s":{"pod":"p-1"}})"));
  EXPECT_THAT(keys(out_), ::testing::ElementsAre("http.method", "http.response.status",
                                                 "http.response.headers", "k8s.pod"));
  EXPECT_EQ(field(out_, "http.response.status").int_value, 200);
  EXPECT_EQ(field(out_, "http.response.headers").text, "{}");
}

TEST_F(JsonParserTest, ArraysKeepTheirJsonText) {
  ASSERT_TRUE(parse(R"({"tags": [ "a", {"b": [1, 2.5]}, null ] , "empty":[],"x":1})"));
  EXPECT_EQ(field(out_, "tags").type, FieldType::kString);
  EXPECT_EQ(field(out_, "tags").text, R"([ "a", {"b": [1, 2.5]}, null ])");
  EXPECT_EQ(field(out_, "empty").text, "[]");
  EXPECT_EQ(field(out_, "x").int_value, 1);
  ASSERT_TRUE(parse(R"({"last":[1,[2,[3]]]})"));
  EXPECT_EQ(field(out_, "last").text, "[1,[2,[3]]]");
}

TEST_F(JsonParserTest, InvalidContentInsideArraysFailsTheLine) {
  EXPECT_FALSE(parse(R"({"a":[tru]})"));
  EXPECT_FALSE(parse(R"({"a":[1,]})"));
  EXPECT_FALSE(parse(R"({"a":["\x"]})"));
  EXPECT_FALSE(parse(R"({"a":[01]})"));
  EXPECT_FALSE(parse(R"({"a":[{"k" 1}]})"));
}

TEST_F(JsonParserTest, UnicodeEscapesAndSurrogatePairs) {
  ASSERT_TRUE(parse(R"({"e":"caf\u00e9","emoji":"\ud83d\ude00","q":"say \"hi\"\n","k\u0065y":1})"));
  EXPECT_EQ(field(out_, "e").text, "caf\xC3\xA9");
  EXPECT_EQ(field(out_, "emoji").text, "\xF0\x9F\x98\x80");
  EXPECT_EQ(field(out_, "q").text, "say \"hi\"\n");
  EXPECT_EQ(field(out_, "key").int_value, 1);
  ASSERT_TRUE(parse("{\"raw\":\"\xE2\x82\xAC\"}"));
  EXPECT_EQ(field(out_, "raw").text, "\xE2\x82\xAC");
}

TEST_F(JsonParserTest, LoneSurrogatesAndInvalidUtf8FailTheLine) {
  EXPECT_FALSE(parse(R"({"a":"\ud800"})"));
  EXPECT_FALSE(parse(R"({"a":"\udc00"})"));
  EXPECT_FALSE(parse(R"({"a":"\ud83dx"})"));
  EXPECT_FALSE(parse("{\"a\":\"\xC3\x28\"}"));
  EXPECT_FALSE(parse("{\"a\":\"\xFF\"}"));
}

TEST_F(JsonParserTest, HugeNumbersKeepTheirDigits) {
  ASSERT_TRUE(
      parse(R"({"max":9223372036854775807,"min":-9223372036854775808,"u":9223372036854775808,)"
            R"("big":123456789012345678901234567890,"neg":-123456789012345678901,"inf":1e400,)"
            R"("tiny":1e-400})"));
  EXPECT_EQ(field(out_, "max").type, FieldType::kInt);
  EXPECT_EQ(field(out_, "max").int_value, INT64_MAX);
  EXPECT_EQ(field(out_, "min").int_value, INT64_MIN);
  EXPECT_EQ(field(out_, "u").type, FieldType::kString);
  EXPECT_EQ(field(out_, "u").text, "9223372036854775808");
  EXPECT_EQ(field(out_, "big").type, FieldType::kString);
  EXPECT_EQ(field(out_, "big").text, "123456789012345678901234567890");
  EXPECT_EQ(field(out_, "neg").text, "-123456789012345678901");
  EXPECT_EQ(field(out_, "inf").type, FieldType::kString);
  EXPECT_EQ(field(out_, "inf").text, "1e400");
  // Decimals with more than 19 significant digits, read exactly.
  ASSERT_TRUE(parse(R"({"long":1234567890123456789015e-3,"frac":12345678901234567890.5})"));
  EXPECT_EQ(field(out_, "long").type, FieldType::kDouble);
  EXPECT_EQ(field(out_, "long").double_value, 1234567890123456789015e-3);
  EXPECT_EQ(field(out_, "frac").double_value, 12345678901234567890.5);
  // vigil's former parser, simdjson 3.0.1's On-Demand fallback kernel, read this one as -0.0497...
  ASSERT_TRUE(parse(R"({"d":-0.23423372036854775808})"));
  EXPECT_EQ(field(out_, "d").double_value, -0.23423372036854775808);
  ASSERT_TRUE(parse(R"({"tiny":1e-400})"));
  // Underflow reads as zero or keeps its text; either way nothing invents a value.
  const FieldValue& tiny = field(out_, "tiny");
  if (tiny.type == FieldType::kDouble) {
    EXPECT_EQ(tiny.double_value, 0.0);
  } else {
    EXPECT_EQ(tiny.text, "1e-400");
  }
}

TEST_F(JsonParserTest, NumbersBeyondDoubleAnywhereInTheLine) {
  // RapidJSON refuses these; the parser reads the line again with them set aside.
  ASSERT_TRUE(parse(R"({"a":1e400,"s":"x\"y","arr":[1e999, "q\\\"", {"k":-1e400}],"n":{"m":2}})"));
  EXPECT_THAT(keys(out_), ::testing::ElementsAre("a", "s", "arr", "n.m"));
  EXPECT_EQ(field(out_, "a").type, FieldType::kString);
  EXPECT_EQ(field(out_, "a").text, "1e400");
  EXPECT_EQ(field(out_, "s").text, "x\"y");
  EXPECT_EQ(field(out_, "arr").text, R"([1e999, "q\\\"", {"k":-1e400}])");
  EXPECT_EQ(field(out_, "n.m").int_value, 2);
  const std::string digits(400, '9');
  ASSERT_TRUE(parse("{\"big\":" + digits + "}"));
  EXPECT_EQ(field(out_, "big").text, digits);
  EXPECT_FALSE(parse(R"({"a":1e400,"b":01})"));
  EXPECT_FALSE(parse(R"({"a":1e400} x)"));
}

TEST_F(JsonParserTest, LoneSurrogatesInKeysAndArraysFailTheLine) {
  EXPECT_FALSE(parse(R"({"\udc00":1})"));
  EXPECT_FALSE(parse(R"({"a":["\udfff"]})"));
  EXPECT_FALSE(parse(R"({"a":[{"\udc00":1}]})"));
  ASSERT_TRUE(parse("{\"a\":\"\xED\x9F\xBF\"}"));  // U+D7FF, just below the surrogates
  EXPECT_EQ(field(out_, "a").text, "\xED\x9F\xBF");
}

TEST_F(JsonParserTest, ANulByteDoesNotEndTheLine) {
  EXPECT_FALSE(parse(std::string_view("{\"a\":1}\0", 8)));
  EXPECT_FALSE(parse(std::string_view("{\"a\":\"x\0\"}", 10)));
  EXPECT_FALSE(parse(std::string_view("{\"a\":\"\xF1", 7)));  // cut inside a UTF-8 sequence
}

TEST_F(JsonParserTest, DuplicateKeysAreAllReportedHere) {
  // Deduplication (last wins) is ParsedLine's job, applied by the LineParser.
  ASSERT_TRUE(parse(R"({"a":1,"a":2})"));
  EXPECT_EQ(out_.fields.size(), 2u);
  out_.deduplicate_fields();
  ASSERT_EQ(out_.fields.size(), 1u);
  EXPECT_EQ(out_.fields[0].value.int_value, 2);
}

TEST_F(JsonParserTest, NotOneObjectFails) {
  for (std::string_view bad : {"",
                               " ",
                               "plain text",
                               "[1,2]",
                               "\"s\"",
                               "42",
                               "null",
                               "{",
                               "{\"a\":}",
                               "{\"a\":1,}",
                               "{\"a\" 1}",
                               "{a:1}",
                               "{\"a\":1} {\"b\":2}",
                               "{\"a\":1} x",
                               "{\"a\":01}",
                               "{\"a\":1.}",
                               "{\"a\":-}",
                               "{\"a\":tru}",
                               "{\"a\":nul}",
                               "{\"a\":\"unterminated}",
                               "{'a':1}",
                               "{\"a\":NaN}",
                               "{\"a\":\"tab\there\"}"}) {
    EXPECT_FALSE(parse(bad)) << bad;
  }
}

TEST_F(JsonParserTest, WhitespaceAroundTheObjectIsFine) {
  EXPECT_TRUE(parse("  {\"a\" : 1 }  "));
  EXPECT_TRUE(parse("{}"));
  EXPECT_TRUE(out_.fields.empty());
  EXPECT_TRUE(parse("\t{\"a\":{}}\r"));
  EXPECT_EQ(field(out_, "a").text, "{}");
}

TEST_F(JsonParserTest, DepthIsLimited) {
  std::string deep;
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "}";
  EXPECT_TRUE(parse(deep));
  std::string deeper = "{\"a\":" + deep + "}";
  EXPECT_FALSE(parse(deeper));
  std::string arrays = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_FALSE(parse(arrays));
}

TEST_F(JsonParserTest, ReusesItsBuffersAcrossLinesOfDifferentSizes) {
  const std::string big = "{\"k\":\"" + std::string(100000, 'x') + "\"}";
  ASSERT_TRUE(parse(big));
  EXPECT_EQ(field(out_, "k").text.size(), 100000u);
  ASSERT_TRUE(parse(R"({"small":true})"));
  EXPECT_TRUE(field(out_, "small").bool_value);
  ASSERT_TRUE(parse(big));
  EXPECT_EQ(field(out_, "k").text.size(), 100000u);
}

TEST_F(JsonParserTest, ViewsStayValidWhileMoreKeysAreStored) {
  // Many dotted keys force ParsedLine's storage past one block; earlier views must survive.
  std::string line = "{\"outer\":{";
  for (int i = 0; i < 3000; ++i) {
    if (i > 0) line += ',';
    line += "\"key_number_" + std::to_string(i) + "\":" + std::to_string(i);
  }
  line += "}}";
  ASSERT_TRUE(parse(line));
  ASSERT_EQ(out_.fields.size(), 3000u);
  for (int i = 0; i < 3000; ++i) {
    EXPECT_EQ(out_.fields[i].key, "outer.key_number_" + std::to_string(i));
    EXPECT_EQ(out_.fields[i].value.int_value, i);
  }
}

TEST_F(JsonParserTest, DottedKeysHaveAStorageBudget) {
  // A 100 KB prefix repeated over 2,000 children would store 200 MB of keys for a 112 KB line.
  std::string line = "{\"" + std::string(100000, 'p') + "\":{";
  for (int i = 0; i < 2000; ++i) line += (i ? ",\"" : "\"") + std::to_string(i) + "\":1";
  line += "}}";
  EXPECT_FALSE(parse(line));
  // The same number of children under a short prefix is fine.
  line = "{\"p\":{";
  for (int i = 0; i < 2000; ++i) line += (i ? ",\"" : "\"") + std::to_string(i) + "\":1";
  line += "}}";
  EXPECT_TRUE(parse(line));
  EXPECT_EQ(out_.fields.size(), 2000u);
}

}  // namespace
}  // namespace vigil::collectors::tail
