#include "agent/otlp/json_text.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vigil::otlp {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(s, out);
  return out;
}

std::string json_double(double v) {
  std::string out;
  append_json_double(v, out);
  return out;
}

std::string base64(std::string_view s) {
  std::string out;
  append_json_base64(s, out);
  return out;
}

std::string fffd(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += kFffd;
  return s;
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(json_string(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  // DEL, '/' and non-ASCII text need no escape and pass through unchanged.
  EXPECT_EQ(json_string("\x7f/é€😀"), "\"\x7f/é€😀\"");
  EXPECT_EQ(json_string(""), R"("")");
}

TEST(JsonText, ReplacesInvalidUtf8WithOneReplacementPerMaximalSubpart) {
  EXPECT_EQ(json_string("\xff"), "\"" + fffd(1) + "\"");
  EXPECT_EQ(json_string("a\x80z"), "\"a" + fffd(1) + "z\"");
  // Truncated sequences, at the end and before another character.
  EXPECT_EQ(json_string("\xc3"), "\"" + fffd(1) + "\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"" + fffd(1) + "\"");
  EXPECT_EQ(json_string("\xe2\x82x"), "\"" + fffd(1) + "x\"");
  EXPECT_EQ(json_string("\xf0\x9f\x98"), "\"" + fffd(1) + "\"");
  // Overlong form, surrogate, beyond U+10FFFF: the lead byte alone is the maximal subpart.
  EXPECT_EQ(json_string("\xc0\xaf"), "\"" + fffd(2) + "\"");
  EXPECT_EQ(json_string("\xe0\x80\xaf"), "\"" + fffd(3) + "\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"" + fffd(3) + "\"");
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"" + fffd(4) + "\"");
  // The example of Unicode 15, table 3-8.
  EXPECT_EQ(json_string("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "\"a" + fffd(3) + "b" + fffd(1) + "c" + fffd(2) + "d\"");
  // Boundaries of the valid ranges stay as they are.
  EXPECT_EQ(json_string("\xc2\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf"),
            "\"\xc2\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"");
  // An escape right after a replacement.
  EXPECT_EQ(json_string("\xff\n"), "\"" + fffd(1) + "\\n\"");
}

TEST(JsonText, DoublesAreShortestRoundTripNumbersAndSpecialsAreStrings) {
  EXPECT_EQ(json_double(0), "0");
  EXPECT_EQ(json_double(1.5), "1.5");
  EXPECT_EQ(json_double(-0.25), "-0.25");
  EXPECT_EQ(json_double(3), "3");
  EXPECT_EQ(json_double(0.1), "0.1");
  EXPECT_EQ(json_double(1e300), "1e+300");
  EXPECT_EQ(json_double(1e-9), "1e-09");
  // Plain digits when they are shorter than the exponent form.
  EXPECT_EQ(json_double(123456789012345680.0), "123456789012345680");
  EXPECT_EQ(json_double(1e21), "1e+21");
  EXPECT_EQ(json_double(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(json_double(std::numeric_limits<double>::quiet_NaN()), R"("NaN")");
  EXPECT_EQ(json_double(std::numeric_limits<double>::infinity()), R"("Infinity")");
  EXPECT_EQ(json_double(-std::numeric_limits<double>::infinity()), R"("-Infinity")");
  for (double v : {0.1 + 0.2, 1.0 / 3, -2.2250738585072014e-308, 9007199254740993.0}) {
    EXPECT_EQ(std::strtod(json_double(v).c_str(), nullptr), v) << json_double(v);
  }
  std::string f;
  append_json_float(0.1f, f);
  EXPECT_EQ(f, "0.1");
}

TEST(JsonText, IntegersAndQuotedIntegers) {
  std::string out;
  append_json_int(std::numeric_limits<std::int64_t>::min(), out);
  out += ' ';
  append_json_uint(std::numeric_limits<std::uint64_t>::max(), out);
  out += ' ';
  append_json_quoted_int(-5, out);
  out += ' ';
  append_json_quoted_uint(1700000000000000000u, out);
  EXPECT_EQ(out, R"(-9223372036854775808 18446744073709551615 "-5" "1700000000000000000")");
}

TEST(JsonText, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64(""), R"("")");
  EXPECT_EQ(base64("f"), R"("Zg==")");
  EXPECT_EQ(base64("fo"), R"("Zm8=")");
  EXPECT_EQ(base64("foo"), R"("Zm9v")");
  EXPECT_EQ(base64("foob"), R"("Zm9vYg==")");
  EXPECT_EQ(base64("fooba"), R"("Zm9vYmE=")");
  EXPECT_EQ(base64("foobar"), R"("Zm9vYmFy")");
  EXPECT_EQ(base64(std::string_view("\x00\x01\xfe\xff", 4)), R"("AAH+/w==")");
  EXPECT_EQ(base64("\xfb\xff"), R"("+/8=")");
}

TEST(JsonText, HexIsLowercase) {
  std::string out;
  append_json_hex(std::string_view("\x00\xab\xCD\x7f", 4), out);
  EXPECT_EQ(out, R"("00abcd7f")");
}

}  // namespace
}  // namespace vigil::otlp
