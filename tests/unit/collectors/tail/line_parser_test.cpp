#include "collectors/tail/line_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "tests/unit/collectors/tail/tail_config_fixture.h"

namespace vigil::collectors::tail {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::int64_t kMay1Noon = 1'714'564'800LL * 1'000'000'000;

std::unique_ptr<LineParser> make(const ParserConfig& config) {
  auto parser = make_line_parser(config);
  EXPECT_TRUE(parser.has_value()) << parser.error();
  return parser ? std::move(*parser) : nullptr;
}

// A config of `kind` reading body, time and severity from fields (ts, level, msg by default).
ParserConfig with_fields(ParserKind kind, std::string timestamp_field = "ts",
                         std::string severity_field = "level", std::string message_field = "msg") {
  ParserConfig config;
  config.kind = kind;
  config.timestamp_field = std::move(timestamp_field);
  config.severity_field = std::move(severity_field);
  config.message_field = std::move(message_field);
  return config;
}

std::vector<std::string> keys(const ParsedLine& out) {
  std::vector<std::string> k;
  for (const auto& f : out.fields) k.emplace_back(f.key);
  return k;
}

TEST(LineParserTest, JsonWithMessageTimestampAndSeverityFields) {
  ParserConfig config = with_fields(ParserKind::kJson);
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(
      R"({"ts":"2024-05-01T12:00:00Z","level":"warning","msg":"disk low","disk":"/dev/sda"})",
      out));
  EXPECT_THAT(keys(out), ElementsAre("disk"));
  ASSERT_TRUE(out.body.has_value());
  EXPECT_EQ(out.body->text, "disk low");
  EXPECT_EQ(out.time_unix_nano, kMay1Noon);
  EXPECT_FALSE(out.timestamp_invalid);
  EXPECT_EQ(out.severity_number, 13);
  EXPECT_EQ(out.severity_text, "warning");
}

TEST(LineParserTest, KeepFieldsKeepsTheConsumedFieldsAsAttributes) {
  ParserConfig config = with_fields(ParserKind::kLogfmt);
  config.keep_fields = true;
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse("ts=2024-05-01T12:00:00Z level=error msg=boom", out));
  EXPECT_THAT(keys(out), ElementsAre("ts", "level", "msg"));
  EXPECT_EQ(out.body->text, "boom");
  EXPECT_EQ(out.time_unix_nano, kMay1Noon);
  EXPECT_EQ(out.severity_number, 17);
}

TEST(LineParserTest, MissingSpecialFieldsLeaveDefaults) {
  ParserConfig config = with_fields(ParserKind::kJson);
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(R"({"other":1})", out));
  EXPECT_FALSE(out.body.has_value());  // the body stays the raw line
  EXPECT_FALSE(out.time_unix_nano.has_value());
  EXPECT_FALSE(out.timestamp_invalid);
  EXPECT_EQ(out.severity_number, 0);
  EXPECT_TRUE(out.severity_text.empty());
}

TEST(LineParserTest, AnUnreadableTimestampIsFlaggedAndKept) {
  auto config = with_fields(ParserKind::kJson, "ts", "", "");
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(R"({"ts":"yesterday","a":1})", out));
  EXPECT_TRUE(out.timestamp_invalid);
  EXPECT_FALSE(out.time_unix_nano.has_value());
  EXPECT_THAT(keys(out), ElementsAre("ts", "a"));
  // The flag does not leak into the next line.
  ASSERT_TRUE(parser->parse(R"({"ts":"2024-05-01T12:00:00Z"})", out));
  EXPECT_FALSE(out.timestamp_invalid);
  EXPECT_EQ(out.time_unix_nano, kMay1Noon);
}

TEST(LineParserTest, NumericTimestampsAndPinoLevels) {
  ParserConfig config = with_fields(ParserKind::kJson, "time", "level", "");
  config.timestamp_format = "unix_ms";
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(R"({"level":30,"time":1714564800123,"msg":"hi"})", out));
  EXPECT_EQ(out.time_unix_nano, kMay1Noon + 123'000'000);
  EXPECT_EQ(out.severity_number, 9);
  EXPECT_EQ(out.severity_text, "30");
}

TEST(LineParserTest, UnknownSeverityKeepsItsText) {
  ParserConfig config;
  config.kind = ParserKind::kLogfmt;
  config.severity_field = "lvl";
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse("lvl=verbose x=1", out));
  EXPECT_EQ(out.severity_number, 0);
  EXPECT_EQ(out.severity_text, "verbose");
}

TEST(LineParserTest, DetectSeverityLooksAtLevelFieldsThenTheText) {
  ParserConfig config;
  config.kind = ParserKind::kLogfmt;
  config.detect_severity = true;
  config.message_field = "msg";
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse("level=debug msg=\"an error occurred\"", out));
  EXPECT_EQ(out.severity_number, 5);
  EXPECT_THAT(keys(out), ElementsAre("level"));  // detection does not consume the field
  ASSERT_TRUE(parser->parse("msg=\"an error occurred\"", out));
  EXPECT_EQ(out.severity_number, 17);
  EXPECT_EQ(out.severity_text, "error");
}

TEST(LineParserTest, ParserNoneOnlyDetectsSeverityWhenAsked) {
  ParserConfig config;
  EXPECT_TRUE(config.is_noop());
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse("2024-05-01 ERROR x", out));
  EXPECT_EQ(out.severity_number, 0);
  config.detect_severity = true;
  EXPECT_FALSE(config.is_noop());
  parser = make(config);
  ASSERT_TRUE(parser->parse("2024-05-01 ERROR x", out));
  EXPECT_EQ(out.severity_number, 17);
  EXPECT_THAT(out.fields, IsEmpty());
  EXPECT_FALSE(out.body.has_value());
}

TEST(LineParserTest, AFailedParseLeavesOutCleared) {
  ParserConfig config;
  config.kind = ParserKind::kJson;
  config.detect_severity = true;
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(R"({"level":"info","a":1})", out));
  EXPECT_FALSE(parser->parse(R"({"level":"error","a":)", out));
  EXPECT_THAT(out.fields, IsEmpty());
  EXPECT_EQ(out.severity_number, 0);
}

TEST(LineParserTest, RegexParserFeedsTheSameSpecialFields) {
  ParserConfig config = with_fields(ParserKind::kRegex, "time");
  config.regex = R"(^(?<time>\S+) (?<level>\w+) (?<msg>.*)$)";
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse("2024-05-01T12:00:00Z INFO started in 3s", out));
  EXPECT_THAT(out.fields, IsEmpty());
  EXPECT_EQ(out.body->text, "started in 3s");
  EXPECT_EQ(out.time_unix_nano, kMay1Noon);
  EXPECT_EQ(out.severity_number, 9);
  EXPECT_FALSE(parser->parse("nope", out));
}

TEST(LineParserTest, DuplicateKeysKeepTheLastValueAtTheFirstPosition) {
  ParserConfig config;
  config.kind = ParserKind::kJson;
  auto parser = make(config);
  ParsedLine out;
  ASSERT_TRUE(parser->parse(R"({"a":1,"b":2,"a":3,"c":4,"a":5,"b":6})", out));
  ASSERT_THAT(keys(out), ElementsAre("a", "b", "c"));
  EXPECT_EQ(out.fields[0].value.int_value, 5);
  EXPECT_EQ(out.fields[1].value.int_value, 6);
  EXPECT_EQ(out.fields[2].value.int_value, 4);
  // Flattened keys colliding with dotted ones count as duplicates too.
  ASSERT_TRUE(parser->parse(R"({"a.b":1,"a":{"b":2}})", out));
  ASSERT_EQ(out.fields.size(), 1u);
  EXPECT_EQ(out.fields[0].value.int_value, 2);
}

TEST(LineParserTest, DeduplicationOfManyFields) {
  ParsedLine out;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("k" + std::to_string(i % 40));
  for (int i = 0; i < 100; ++i) {
    out.fields.push_back({names[i], FieldValue::integer(i, "")});
  }
  out.deduplicate_fields();
  ASSERT_EQ(out.fields.size(), 40u);
  for (int k = 0; k < 40; ++k) {
    EXPECT_EQ(out.fields[k].key, "k" + std::to_string(k));
    // Last occurrence of k: the largest i < 100 with i % 40 == k.
    EXPECT_EQ(out.fields[k].value.int_value, k + 40 * ((99 - k) / 40));
  }
}

TEST(LineParserTest, StorageSurvivesGrowthAndIsReusedAfterClear) {
  ParsedLine out;
  std::vector<std::string_view> stored;
  for (int i = 0; i < 1000; ++i) stored.push_back(out.store(std::string(100, 'a' + i % 26)));
  stored.push_back(out.store(std::string(100000, 'z')));  // larger than a block
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(stored[i], std::string(100, 'a' + i % 26));
  EXPECT_EQ(stored.back().size(), 100000u);
  const char* first = stored[0].data();
  out.clear();
  EXPECT_EQ(out.store("again").data(), first);
  EXPECT_TRUE(out.store("").empty());
}

TEST(LineParserTest, InferFieldValue) {
  EXPECT_EQ(infer_field_value("12").type, FieldType::kInt);
  EXPECT_EQ(infer_field_value("-0").type, FieldType::kInt);
  EXPECT_EQ(infer_field_value("1.5e-3").type, FieldType::kDouble);
  EXPECT_EQ(infer_field_value("true").type, FieldType::kBool);
  EXPECT_EQ(infer_field_value("True").type, FieldType::kString);
  EXPECT_EQ(infer_field_value("+1").type, FieldType::kString);
  EXPECT_EQ(infer_field_value("0012").type, FieldType::kString);
  EXPECT_EQ(infer_field_value("").type, FieldType::kString);
  EXPECT_EQ(infer_field_value("inf").type, FieldType::kString);
  EXPECT_EQ(infer_field_value("9223372036854775808").type, FieldType::kString);
}

// --- parse_parser_config ---

class ParserConfigTest : public ::testing::Test, public tail_testing::TailConfigFixture {};

TEST_F(ParserConfigTest, DefaultsWhenNothingIsSet) {
  const ParserConfig config = parse_parser_config(load(""));
  EXPECT_THAT(errors(), IsEmpty());
  EXPECT_EQ(config.kind, ParserKind::kNone);
  EXPECT_EQ(config.timestamp_format, "rfc3339");
  EXPECT_FALSE(config.detect_severity);
  EXPECT_FALSE(config.keep_fields);
  EXPECT_TRUE(config.is_noop());
}

TEST_F(ParserConfigTest, ReadsEveryKey) {
  const ParserConfig config = parse_parser_config(load(R"(parser = "regex"
regex = '^(?<ts>\S+) (?<lvl>\w+) (?<msg>.*)$'
message_field = "msg"
timestamp_field = "ts"
timestamp_format = "%Y-%m-%dT%H:%M:%S%z"
severity_field = "lvl"
detect_severity = true
keep_fields = true
)"));
  EXPECT_THAT(errors(), IsEmpty());
  EXPECT_EQ(config.kind, ParserKind::kRegex);
  EXPECT_EQ(config.regex, R"(^(?<ts>\S+) (?<lvl>\w+) (?<msg>.*)$)");
  EXPECT_EQ(config.message_field, "msg");
  EXPECT_EQ(config.timestamp_field, "ts");
  EXPECT_EQ(config.timestamp_format, "%Y-%m-%dT%H:%M:%S%z");
  EXPECT_EQ(config.severity_field, "lvl");
  EXPECT_TRUE(config.detect_severity);
  EXPECT_TRUE(config.keep_fields);
  EXPECT_TRUE(make_line_parser(config).has_value());
}

TEST_F(ParserConfigTest, ErrorsNameFileLineColumnAndKey) {
  parse_parser_config(load(R"(parser = "xml"
)"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("agent.toml:2:10: collectors.tail[0].parser:")));

  parse_parser_config(load(R"(parser = "regex"
regex = "(unclosed"
)"));
  EXPECT_THAT(errors(), ElementsAre(AllOf(HasSubstr("agent.toml:3:9: collectors.tail[0].regex:"),
                                          HasSubstr("missing closing parenthesis"))));

  parse_parser_config(load(R"(parser = "regex"
regex = "no groups"
)"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("named group")));

  parse_parser_config(load(R"(parser = "regex"
)"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("collectors.tail[0].regex")));

  parse_parser_config(load(R"toml(parser = "json"
regex = "(?<a>x)"
timestamp_format = "%H:%M"
)toml"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("agent.toml:3:9: collectors.tail[0].regex: only "
                                              "used with parser = \"regex\""),
                                    AllOf(HasSubstr("agent.toml:4:20"), HasSubstr("no year"))));

  parse_parser_config(load(R"(timestamp_field = "ts"
)"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("timestamp_field: needs a parser")));
}

}  // namespace
}  // namespace vigil::collectors::tail
