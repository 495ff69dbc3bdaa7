#include "collectors/tail/regex_parser.h"

#include <utility>

namespace vigil::collectors::tail {

RegexFieldParser::RegexFieldParser(Pcre2Regex regex) : regex_(std::move(regex)), matcher_(regex_) {}

bool RegexFieldParser::parse(std::string_view line, ParsedLine& out) {
  if (!matcher_.match(line)) return false;
  for (const Pcre2Regex::NamedGroup& group : regex_.named_groups()) {
    if (const auto value = matcher_.group(group.number)) {
      out.fields.push_back({group.name, FieldValue::string(*value)});
    }
  }
  return true;
}

}  // namespace vigil::collectors::tail
