#include "collectors/host/netdev_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

void parse_net_dev(std::string_view text, std::vector<NetDevLine>& out) {
  out.clear();
  while (!text.empty()) {
    const std::string_view line = next_line(text);
    const auto colon = line.rfind(':');
    if (colon == std::string_view::npos) continue;
    NetDevLine entry;
    entry.device = trim(line.substr(0, colon));
    if (entry.device.empty()) continue;
    std::string_view rest = line.substr(colon + 1);
    bool complete = true;
    for (auto& value : entry.values) {
      if (!to_u64(next_field(rest), value)) {
        complete = false;
        break;
      }
    }
    if (complete) out.push_back(entry);
  }
}

}  // namespace vigil::collectors::host
