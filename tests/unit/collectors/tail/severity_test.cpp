#include "collectors/tail/severity.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::collectors::tail {
namespace {

TEST(SeverityTest, WordsMapToOtlpSeverityNumbers) {
  EXPECT_EQ(severity_from_word("TRACE"), 1);
  EXPECT_EQ(severity_from_word("DEBUG"), 5);
  EXPECT_EQ(severity_from_word("INFO"), 9);
  EXPECT_EQ(severity_from_word("NOTICE"), 10);
  EXPECT_EQ(severity_from_word("WARN"), 13);
  EXPECT_EQ(severity_from_word("WARNING"), 13);
  EXPECT_EQ(severity_from_word("ERROR"), 17);
  EXPECT_EQ(severity_from_word("ERR"), 17);
  EXPECT_EQ(severity_from_word("CRITICAL"), 18);
  EXPECT_EQ(severity_from_word("CRIT"), 18);
  EXPECT_EQ(severity_from_word("ALERT"), 19);
  EXPECT_EQ(severity_from_word("FATAL"), 21);
  EXPECT_EQ(severity_from_word("PANIC"), 21);
  EXPECT_EQ(severity_from_word("EMERG"), 22);
  EXPECT_EQ(severity_from_word("EMERGENCY"), 22);
}

TEST(SeverityTest, WordsAreCaseInsensitiveAndWhole) {
  EXPECT_EQ(severity_from_word("warning"), 13);
  EXPECT_EQ(severity_from_word("Error"), 17);
  EXPECT_EQ(severity_from_word("iNfO"), 9);
  EXPECT_EQ(severity_from_word("INFORMATION"), 0);
  EXPECT_EQ(severity_from_word("ERRORS"), 0);
  EXPECT_EQ(severity_from_word("WAR"), 0);
  EXPECT_EQ(severity_from_word(""), 0);
  EXPECT_EQ(severity_from_word("E"), 0);
  EXPECT_EQ(severity_from_word("verbose"), 0);
  EXPECT_EQ(severity_from_word(std::string_view("\0INFO", 5)), 0);
  EXPECT_EQ(severity_from_word("INF0"), 0);
  EXPECT_EQ(severity_from_word("EMERGENCE"), 0);
  EXPECT_EQ(severity_from_word("emergency"), 22);
}

TEST(SeverityTest, PinoNumbers) {
  EXPECT_EQ(severity_from_number(10), 1);
  EXPECT_EQ(severity_from_number(20), 5);
  EXPECT_EQ(severity_from_number(30), 9);
  EXPECT_EQ(severity_from_number(40), 13);
  EXPECT_EQ(severity_from_number(50), 17);
  EXPECT_EQ(severity_from_number(60), 21);
  EXPECT_EQ(severity_from_number(35), 0);
  EXPECT_EQ(severity_from_number(-10), 0);
}

TEST(SeverityTest, FindsTheFirstWholeLevelWordInALine) {
  auto s = find_severity_word("2024-05-01T12:00:00Z [WARN] disk 91% full, error budget low");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->number, 13);
  EXPECT_EQ(s->text, "WARN");
  s = find_severity_word("time=1 level=error msg=x");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->number, 17);
  EXPECT_EQ(s->text, "error");
  s = find_severity_word("E0501 12:00:00.000 CRIT: kernel");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->number, 18);
  EXPECT_EQ(s->text, "CRIT");
  s = find_severity_word("Fatal");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->number, 21);
}

TEST(SeverityTest, IgnoresPartsOfWordsAndWordsWithDigitsOrUnderscores) {
  EXPECT_FALSE(find_severity_word("INFORMATION: errors were counted, debug_mode on").has_value());
  EXPECT_FALSE(find_severity_word("info1 warn_x 2error").has_value());
  EXPECT_FALSE(find_severity_word("").has_value());
  EXPECT_FALSE(find_severity_word("no level here").has_value());
}

TEST(SeverityTest, OnlyTheScanLimitIsSearched) {
  const std::string line = std::string(300, 'x') + " ERROR late";
  EXPECT_FALSE(find_severity_word(line).has_value());
  EXPECT_TRUE(find_severity_word(line, 400).has_value());
  // A word that begins inside the limit is judged whole, even if it runs past it.
  EXPECT_FALSE(find_severity_word("ab INFORMATION", 7).has_value());
  const auto s = find_severity_word("ab WARNING", 7);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->text, "WARNING");
}

TEST(SeverityTest, NonAsciiBytesSeparateWords) {
  const auto s = find_severity_word(
      "\xE2\x80\x9C"
      "error"
      "\xE2\x80\x9D");  // “error”
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->number, 17);
}

}  // namespace
}  // namespace vigil::collectors::tail
