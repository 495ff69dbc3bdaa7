#include "collectors/host/pressure_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

bool parse_pressure(std::string_view text, Pressure& out) {
  Pressure parsed;
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    const std::string_view kind = next_field(rest);
    const bool some = kind == "some";
    if (!some && kind != "full") continue;
    for (std::string_view field = next_field(rest); !field.empty(); field = next_field(rest)) {
      if (!field.starts_with("total=")) continue;
      std::uint64_t total = 0;
      if (!to_u64(field.substr(6), total)) break;
      if (some) {
        parsed.has_some = true;
        parsed.some_total_us = total;
      } else {
        parsed.has_full = true;
        parsed.full_total_us = total;
      }
      break;
    }
  }
  if (!parsed.has_some && !parsed.has_full) return false;
  out = parsed;
  return true;
}

}  // namespace vigil::collectors::host
