#include "collectors/tail/multiline_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collectors/tail/multiline.h"
#include "tests/unit/collectors/tail/tail_config_fixture.h"

namespace vigil::collectors::tail {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MultilineConfigTest : public ::testing::Test, public tail_testing::TailConfigFixture {};

TEST_F(MultilineConfigTest, AbsentMeansDisabled) {
  const MultilineConfig config = parse_multiline_config(load(""));
  EXPECT_FALSE(config.enabled());
  EXPECT_THAT(errors(), IsEmpty());
}

TEST_F(MultilineConfigTest, PresetWithDefaults) {
  const MultilineConfig config =
      parse_multiline_config(load("multiline = { preset = \"java\" }\n"));
  EXPECT_THAT(errors(), IsEmpty());
  EXPECT_TRUE(config.enabled());
  EXPECT_EQ(config.preset, MultilinePreset::kJava);
  EXPECT_EQ(config.max_lines, kDefaultMultilineMaxLines);
  EXPECT_EQ(config.max_bytes, kDefaultMultilineMaxBytes);
  EXPECT_EQ(config.flush_timeout, std::chrono::seconds(1));
}

TEST_F(MultilineConfigTest, EveryKey) {
  const MultilineConfig config = parse_multiline_config(load(R"([collectors.tail.multiline]
start_pattern = '^\d{4}-'
max_lines = 50
max_bytes = "64KiB"
flush_timeout = "250ms"
)"));
  EXPECT_THAT(errors(), IsEmpty());
  EXPECT_EQ(config.start_pattern, R"(^\d{4}-)");
  EXPECT_EQ(config.max_lines, 50u);
  EXPECT_EQ(config.max_bytes, 64u * 1024);
  EXPECT_EQ(config.flush_timeout, std::chrono::milliseconds(250));
  // Compiled once here, shared by the assemblers of every file.
  ASSERT_NE(config.compiled_pattern, nullptr);
  auto first = MultilineAssembler::create(config, [](const MultilineEvent&) {});
  auto second = MultilineAssembler::create(config, [](const MultilineEvent&) {});
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(config.compiled_pattern.use_count(), 3);
  MultilineConfig other = parse_multiline_config(load("multiline.continue_pattern = '^\\s'\n"));
  EXPECT_EQ(other.continue_pattern, R"(^\s)");
  for (auto [name, preset] :
       {std::pair{"python", MultilinePreset::kPython}, std::pair{"go", MultilinePreset::kGo}}) {
    other = parse_multiline_config(load("multiline.preset = \"" + std::string(name) + "\"\n"));
    EXPECT_EQ(other.preset, preset);
  }
}

TEST_F(MultilineConfigTest, ErrorsNameFileLineColumnAndKey) {
  parse_multiline_config(load(R"(multiline = { start_pattern = "(" })"));
  EXPECT_THAT(
      errors(),
      ElementsAre(AllOf(HasSubstr("agent.toml:2:31: collectors.tail[0].multiline.start_pattern:"),
                        HasSubstr("missing closing parenthesis"))));

  parse_multiline_config(load(R"(multiline = { preset = "ruby" })"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("collectors.tail[0].multiline.preset")));

  parse_multiline_config(load(R"(multiline = { preset = "go", start_pattern = "^x" })"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("set only one of")));

  parse_multiline_config(load(R"(multiline = { max_lines = 5 })"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("needs one of")));

  parse_multiline_config(load(
      R"(multiline = { preset = "go", max_lines = 0, max_bytes = "1B", flush_timeout = "0s", colour = 1 })"));
  EXPECT_THAT(errors(),
              ElementsAre(HasSubstr("multiline.max_lines"), HasSubstr("multiline.max_bytes"),
                          HasSubstr("multiline.flush_timeout"), HasSubstr("multiline.colour")));

  parse_multiline_config(load(R"(multiline = { continue_pattern = "" })"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("must not be empty")));

  parse_multiline_config(load(R"(multiline = "java")"));
  EXPECT_THAT(errors(), ElementsAre(HasSubstr("collectors.tail[0].multiline")));
}

}  // namespace
}  // namespace vigil::collectors::tail
