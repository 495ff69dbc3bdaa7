#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

// Pure parser of /proc/meminfo (PROTOCOLS.md 8.2): text in, fields out, no I/O.
namespace vigil::collectors::host {

struct MeminfoField {
  std::string_view name;    // as the kernel writes it ("MemTotal", "Active(anon)"), into the text
  std::uint64_t value = 0;  // in bytes when `in_bytes` (the kernel's "kB" is KiB), else a count
  bool in_bytes = false;
};

// Fills `out` (cleared, capacity kept) with every "Name: value [kB]" line of `text`, in file
// order. Lines that do not have that shape, or whose kB value would overflow in bytes, are
// skipped.
void parse_meminfo(std::string_view text, std::vector<MeminfoField>& out);

// The value of field `name` in `fields`, or nullptr.
const MeminfoField* find_meminfo(const std::vector<MeminfoField>& fields, std::string_view name);

}  // namespace vigil::collectors::host
