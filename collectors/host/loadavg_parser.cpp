#include "collectors/host/loadavg_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

bool parse_loadavg(std::string_view text, LoadAverage& out) {
  LoadAverage parsed;
  if (!to_double(next_field(text), parsed.one) || !to_double(next_field(text), parsed.five) ||
      !to_double(next_field(text), parsed.fifteen)) {
    return false;
  }
  out = parsed;
  return true;
}

}  // namespace vigil::collectors::host
