#include "collectors/host/system_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

bool parse_uptime(std::string_view text, double& uptime_seconds) {
  double value = 0;
  if (!to_double(next_field(text), value) || value < 0) return false;
  uptime_seconds = value;
  return true;
}

bool parse_file_nr(std::string_view text, FileNr& out) {
  FileNr parsed;
  std::uint64_t unused = 0;
  if (!to_u64(next_field(text), parsed.allocated) || !to_u64(next_field(text), unused) ||
      !to_u64(next_field(text), parsed.maximum)) {
    return false;
  }
  out = parsed;
  return true;
}

}  // namespace vigil::collectors::host
