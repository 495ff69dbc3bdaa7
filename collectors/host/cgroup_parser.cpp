#include "collectors/host/cgroup_parser.h"

#include <algorithm>
#include <limits>

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kIoKeyNames[kIoKeys] = {"rbytes", "wbytes", "rios",
                                                   "wios",   "dbytes", "dios"};

bool parse_device_number(std::string_view field, std::uint32_t& major, std::uint32_t& minor) {
  const auto colon = field.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t ma = 0;
  std::uint64_t mi = 0;
  if (!to_u64(field.substr(0, colon), ma) || !to_u64(field.substr(colon + 1), mi)) return false;
  if (ma > std::numeric_limits<std::uint32_t>::max() ||
      mi > std::numeric_limits<std::uint32_t>::max()) {
    return false;
  }
  major = static_cast<std::uint32_t>(ma);
  minor = static_cast<std::uint32_t>(mi);
  return true;
}

}  // namespace

std::optional<std::string_view> unified_cgroup_path(std::string_view proc_self_cgroup) {
  while (!proc_self_cgroup.empty()) {
    const std::string_view line = next_line(proc_self_cgroup);
    if (line.starts_with("0::")) {
      const std::string_view path = line.substr(3);
      if (!path.empty() && path.front() == '/') return path;
    }
  }
  return std::nullopt;
}

bool parse_cgroup_value(std::string_view text, CgroupValue& out) {
  const std::string_view value = next_field(text);
  if (!next_field(text).empty()) return false;
  if (value == "max") {
    out = CgroupValue{.unlimited = true, .value = 0};
    return true;
  }
  std::uint64_t number = 0;
  if (!to_u64(value, number)) return false;
  out = CgroupValue{.unlimited = false, .value = number};
  return true;
}

std::uint64_t parse_flat_keyed(std::string_view text, std::span<const std::string_view> keys,
                               std::span<std::uint64_t> values) {
  std::uint64_t found = 0;
  const std::size_t count = std::min({keys.size(), values.size(), std::size_t{64}});
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    const std::string_view key = next_field(rest);
    for (std::size_t i = 0; i < count; ++i) {
      if (keys[i] != key) continue;
      std::uint64_t value = 0;
      if (to_u64(next_field(rest), value) && next_field(rest).empty()) {
        values[i] = value;
        found |= std::uint64_t{1} << i;
      }
      break;
    }
  }
  return found;
}

void parse_io_stat(std::string_view text, std::vector<IoStatLine>& out) {
  out.clear();
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    IoStatLine line;
    if (!parse_device_number(next_field(rest), line.major, line.minor)) continue;
    for (std::string_view field = next_field(rest); !field.empty(); field = next_field(rest)) {
      const auto equals = field.find('=');
      if (equals == std::string_view::npos) continue;
      const std::string_view key = field.substr(0, equals);
      for (std::size_t i = 0; i < kIoKeys; ++i) {
        if (kIoKeyNames[i] != key) continue;
        if (to_u64(field.substr(equals + 1), line.values[i])) {
          line.present = static_cast<std::uint8_t>(line.present | (1u << i));
        }
        break;
      }
    }
    out.push_back(line);
  }
}

}  // namespace vigil::collectors::host
