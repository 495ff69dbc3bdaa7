#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

// Pure parsers of cgroup v2 files (PROTOCOLS.md 8.9, Documentation/admin-guide/cgroup-v2.rst):
// text in, values out, no I/O.
namespace vigil::collectors::host {

// The path of the unified hierarchy's line ("0::/kubepods/pod1/abc") of /proc/self/cgroup;
// nullopt when there is none (a cgroup v1 only host). Inside a cgroup namespace it is "/".
std::optional<std::string_view> unified_cgroup_path(std::string_view proc_self_cgroup);

// A single-value file that may hold the literal "max" (memory.max, pids.max).
struct CgroupValue {
  bool unlimited = false;
  std::uint64_t value = 0;
};
bool parse_cgroup_value(std::string_view text, CgroupValue& out);

// A flat keyed file ("key value" lines: cpu.stat, memory.stat): stores the value of each of
// `keys` that the text has into the same index of `values` and returns a bit mask of the keys
// found (bit i = keys[i]; at most 64 keys).
std::uint64_t parse_flat_keyed(std::string_view text, std::span<const std::string_view> keys,
                               std::span<std::uint64_t> values);

// io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=..", one line per device.
enum IoStatKey : std::uint8_t {
  kIoRbytes,
  kIoWbytes,
  kIoRios,
  kIoWios,
  kIoDbytes,
  kIoDios,
  kIoKeys
};
struct IoStatLine {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::array<std::uint64_t, kIoKeys> values{};
  std::uint8_t present = 0;  // bit per IoStatKey
};
// Fills `out` (cleared, capacity kept); lines without a MAJ:MIN are skipped, unknown keys
// ignored.
void parse_io_stat(std::string_view text, std::vector<IoStatLine>& out);

}  // namespace vigil::collectors::host
