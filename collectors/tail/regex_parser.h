#pragma once

// Lines matched by a PCRE2 regex; each named group that took part in the match becomes a
// kString field named after the group (in group-number order):
//
//   auto regex = Pcre2Regex::compile(R"(^(?<ip>\S+) \S+ \S+ \[(?<time>[^\]]+)\] "(?<req>[^"]*)")");
//   RegexFieldParser parser(std::move(*regex));
//   parser.parse(line, out);   // false when the line does not match
//
// The pattern is not anchored unless it says so (^...$). Views point into the line.

#include <string_view>

#include "collectors/tail/line_parser.h"
#include "collectors/tail/pcre2_regex.h"

namespace vigil::collectors::tail {

class RegexFieldParser {
 public:
  explicit RegexFieldParser(Pcre2Regex regex);
  RegexFieldParser(const RegexFieldParser&) = delete;
  RegexFieldParser& operator=(const RegexFieldParser&) = delete;

  // Appends the named groups to out.fields; false when the line does not match.
  bool parse(std::string_view line, ParsedLine& out);

 private:
  Pcre2Regex regex_;
  Pcre2Matcher matcher_;
};

}  // namespace vigil::collectors::tail
