#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "agent/core/error.h"

namespace vigil::aws {

// The AWS shared credentials and config files' INI dialect (as botocore reads it with Python's
// configparser): `[section]` headers, `key = value` or `key: value` (keys lower-cased, values
// trimmed), whole-line comments starting with '#' or ';', indented lines continuing the previous
// value (the nested `s3 =` sub-sections; kept as text, vigil reads none). Like the Java and Go
// SDKs, a " #" or " ;" after a value starts a comment. A section seen twice merges, later keys
// winning.
struct IniSection {
  std::map<std::string, std::string, std::less<>> values;
  std::uint32_t line = 0;  // of its (first) header
};

struct IniDocument {
  std::map<std::string, IniSection, std::less<>> sections;
  const IniSection* find(std::string_view name) const {
    auto it = sections.find(name);
    return it == sections.end() ? nullptr : &it->second;
  }
};

// Errors name `file_name`:line and what is wrong, never the line's text (it may hold a secret).
core::Result<IniDocument> parse_ini(std::string_view text, std::string_view file_name);

}  // namespace vigil::aws
