#include "collectors/host/diskstats_parser.h"

#include <limits>

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

bool to_u32(std::string_view s, std::uint32_t& out) {
  std::uint64_t value = 0;
  if (!to_u64(s, value) || value > std::numeric_limits<std::uint32_t>::max()) return false;
  out = static_cast<std::uint32_t>(value);
  return true;
}

}  // namespace

void parse_diskstats(std::string_view text, std::vector<DiskStatsLine>& out) {
  out.clear();
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    DiskStatsLine line;
    if (!to_u32(next_field(rest), line.major) || !to_u32(next_field(rest), line.minor)) continue;
    line.device = next_field(rest);
    if (line.device.empty()) continue;
    bool malformed = false;
    for (std::size_t i = 0; i < kDiskStats; ++i) {
      const std::string_view field = next_field(rest);
      if (field.empty()) break;
      if (!to_u64(field, line.stats[i])) {
        malformed = true;
        break;
      }
      line.count = static_cast<std::uint8_t>(i + 1);
    }
    // A group is reported only when all of it is there (a 16-column line has no flush group).
    if (malformed || line.count < kDiskStatsBase) continue;
    if (line.count >= kDiskStatsWithFlushes) {
      line.count = kDiskStatsWithFlushes;
    } else if (line.count >= kDiskStatsWithDiscards) {
      line.count = kDiskStatsWithDiscards;
    } else {
      line.count = kDiskStatsBase;
    }
    out.push_back(line);
  }
}

}  // namespace vigil::collectors::host
