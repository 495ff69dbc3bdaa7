#include "collectors/host/meminfo_parser.h"

#include <limits>

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

void parse_meminfo(std::string_view text, std::vector<MeminfoField>& out) {
  out.clear();
  while (!text.empty()) {
    std::string_view line = next_line(text);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    MeminfoField field;
    field.name = trim(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 1);
    if (field.name.empty() || !to_u64(next_field(rest), field.value)) continue;
    const std::string_view unit = next_field(rest);
    if (unit == "kB") {
      if (field.value > std::numeric_limits<std::uint64_t>::max() / 1024) continue;
      field.value *= 1024;
      field.in_bytes = true;
    } else if (!unit.empty()) {
      continue;  // a unit the kernel has never written: do not guess its scale
    }
    if (!next_field(rest).empty()) continue;
    out.push_back(field);
  }
}

const MeminfoField* find_meminfo(const std::vector<MeminfoField>& fields, std::string_view name) {
  for (const auto& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

}  // namespace vigil::collectors::host
