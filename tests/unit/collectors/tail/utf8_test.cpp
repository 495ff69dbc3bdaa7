#include "collectors/tail/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::collectors::tail {
namespace {

std::string sanitize(std::string_view in) {
  std::string out(sanitized_utf8_size(in), '\0');
  char* end = write_sanitized_utf8(in, out.data());
  EXPECT_EQ(static_cast<std::size_t>(end - out.data()), out.size());
  return out;
}

const std::string kFffd(kReplacementCharacter);

TEST(Utf8, ValidTextIsUntouched) {
  for (std::string_view text : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5",
                                "\xF0\x9F\x98\x80 smile", "\xEF\xBF\xBD already"}) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
    EXPECT_EQ(sanitized_utf8_size(text), text.size());
    EXPECT_EQ(sanitize(text), text);
  }
}

TEST(Utf8, LongAsciiAndLongMixedText) {
  std::string ascii(1000, 'a');
  EXPECT_TRUE(is_valid_utf8(ascii));
  std::string mixed = ascii + "\xC3\xA9" + ascii;
  EXPECT_TRUE(is_valid_utf8(mixed));
  mixed[500] = '\xFF';
  EXPECT_FALSE(is_valid_utf8(mixed));
}

// The Unicode standard's table 3-8 examples of maximal subparts.
TEST(Utf8, EachMaximalSubpartBecomesOneReplacement) {
  EXPECT_EQ(sanitize("a\xFF"
                     "b"),
            "a" + kFffd + "b");
  EXPECT_EQ(sanitize("\xC0\xAF"), kFffd + kFffd);              // overlong lead never valid
  EXPECT_EQ(sanitize("\xE0\x80\xAF"), kFffd + kFffd + kFffd);  // E0 needs A0..BF
  EXPECT_EQ(sanitize("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // surrogate
  EXPECT_EQ(sanitize("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(sanitize("\xE2\x82"), kFffd);      // truncated 3-byte: one subpart
  EXPECT_EQ(sanitize("\xF0\x9F\x98"), kFffd);  // truncated 4-byte
  EXPECT_EQ(sanitize("\xE2\x82x"), kFffd + "x");
  EXPECT_EQ(sanitize("\x80\x80"), kFffd + kFffd);  // lone continuations
  EXPECT_EQ(sanitize("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8, SanitizedOutputIsAlwaysValid) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    for (int j = 0; j < 256; j += 17) {
      bytes.push_back(static_cast<char>(i));
      bytes.push_back(static_cast<char>(j));
    }
  }
  EXPECT_FALSE(is_valid_utf8(bytes));
  EXPECT_TRUE(is_valid_utf8(sanitize(bytes)));
}

TEST(Utf8, CutPointNeverSplitsASequence) {
  const std::string text =
      "ab\xE2\x82\xAC"
      "cd";  // "ab€cd"
  EXPECT_EQ(utf8_cut_point(text, 2), 2u);
  EXPECT_EQ(utf8_cut_point(text, 3), 2u);  // inside €: back to its start
  EXPECT_EQ(utf8_cut_point(text, 4), 2u);
  EXPECT_EQ(utf8_cut_point(text, 5), 5u);
  EXPECT_EQ(utf8_cut_point(text, 100), text.size());
  // Ill-formed bytes may be cut anywhere.
  const std::string bad = "\x80\x80\x80\x80\x80";
  EXPECT_EQ(utf8_cut_point(bad, 3), 3u);
  // Never returns 0 for a sequence at the very start.
  EXPECT_EQ(utf8_cut_point("\xE2\x82\xAC", 1), 1u);
}

}  // namespace
}  // namespace vigil::collectors::tail
