#include "agent/config/toml_text_check.h"

#include <string>

#include <gtest/gtest.h>

namespace vigil::config {
namespace {

TEST(TomlTextCheck, NonAsciiInStringsAndCommentsIsFine) {
  EXPECT_FALSE(find_non_ascii_outside_strings("a = \"Ͼ é\"  # ünïcode\n"));
  EXPECT_FALSE(find_non_ascii_outside_strings("a = 'Ͼ'\nb = \"\"\"\nÿ\n\"\"\"\nc = '''\nα'''\n"));
  EXPECT_FALSE(find_non_ascii_outside_strings("a = \"x \\\" Ͼ\"\n"));  // an escaped quote
  EXPECT_FALSE(find_non_ascii_outside_strings("[\"tablé\"]\n\"kéy\" = 1\n"));
  EXPECT_FALSE(find_non_ascii_outside_strings(""));
}

TEST(TomlTextCheck, NonAsciiElsewhereIsFoundWithItsPosition) {
  // The input the fuzzer found: a non-ASCII letter in a table header's bare name.
  auto at = find_non_ascii_outside_strings("[ag\xCF\xBE\n");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->line, 1u);
  EXPECT_EQ(at->column, 4u);
  at = find_non_ascii_outside_strings(
      "a = \"é\"\nb =\xC2\xA0"
      "1\n");  // no-break space
  ASSERT_TRUE(at);
  EXPECT_EQ(at->line, 2u);
  EXPECT_EQ(at->column, 4u);
}

TEST(TomlTextCheck, MultilineStringsEndAtTheLastQuotesOfARun) {
  // """a"""" holds a" and ends there: what follows is outside the string again.
  EXPECT_TRUE(find_non_ascii_outside_strings("a = \"\"\"a\"\"\"\" Ͼ\n"));
  EXPECT_FALSE(find_non_ascii_outside_strings("a = \"\"\"a\"\"\"\" # Ͼ\n"));
  EXPECT_TRUE(find_non_ascii_outside_strings("a = '''a'''' Ͼ\n"));
  // An escaped quote does not end a multi-line basic string.
  EXPECT_FALSE(find_non_ascii_outside_strings("a = \"\"\"x\\\"\"\"Ͼ\"\"\"\n"));
}

TEST(TomlTextCheck, AnUnterminatedStringEndsAtItsLine) {
  auto at = find_non_ascii_outside_strings("a = \"open\nÿ = 1\n");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->line, 2u);
  EXPECT_EQ(at->column, 1u);
}

}  // namespace
}  // namespace vigil::config
