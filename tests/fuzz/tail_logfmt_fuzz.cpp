// logfmt lines (the tail collector's parser = "logfmt"): parsing must not crash, and whatever
// parses must survive a round trip: written back as logfmt (strings quoted and escaped, other
// types as their text, bare keys bare) it parses to the same keys, types and values.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/config/quote.h"
#include "collectors/tail/logfmt_parser.h"

namespace {

using vigil::collectors::tail::FieldType;
using vigil::collectors::tail::ParsedLine;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  ParsedLine out;
  if (!vigil::collectors::tail::parse_logfmt(line, out)) return 0;
  check(!out.fields.empty());
  std::string again;
  bool any_pair = false;
  for (const auto& f : out.fields) {
    check(!f.key.empty());
    check(f.key.find_first_of(" \t=\"") == std::string_view::npos);
    if (!again.empty()) again += ' ';
    again += f.key;
    if (f.value.type == FieldType::kBool && f.value.text.empty()) continue;  // bare key
    any_pair = true;
    again += '=';
    if (f.value.type == FieldType::kString) {
      again += vigil::config::quote(f.value.text);  // TOML escapes are logfmt's too
    } else {
      again += f.value.text;
    }
  }
  check(any_pair);
  ParsedLine reparsed;
  check(vigil::collectors::tail::parse_logfmt(again, reparsed));
  check(reparsed.fields.size() == out.fields.size());
  for (std::size_t i = 0; i < out.fields.size(); ++i) {
    const auto& a = out.fields[i];
    const auto& b = reparsed.fields[i];
    check(a.key == b.key);
    check(a.value.type == b.value.type);
    check(a.value.text == b.value.text);
    check(a.value.int_value == b.value.int_value);
    check(a.value.bool_value == b.value.bool_value);
    check(a.value.double_value == b.value.double_value ||
          (a.value.double_value != a.value.double_value &&
           b.value.double_value != b.value.double_value));
  }
  return 0;
}
