#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/clock.h"
#include "agent/core/error.h"

namespace vigil::config {

// Durations are one or more <number><unit> terms, largest unit first, each unit at most once:
// "250ms", "10s", "5m", "1h", "1m30s", "1.5s". Units: ns, us, ms, s, m, h. A number may have a
// fraction as long as the total is a whole number of nanoseconds. Signs, spaces and bare
// numbers are rejected (a bare "10" is ambiguous: seconds? milliseconds?). At most
// 2562047h47m16s854ms775us807ns (the range of a signed 64-bit count of nanoseconds).
core::Result<core::Duration> parse_duration(std::string_view text);

// Sizes are one <number><unit>: "100B", "512KiB", "64MiB", "1GiB" (binary: KiB, MiB, GiB, TiB,
// PiB) or "1KB", "1GB" (decimal: KB or kB, MB, GB, TB, PB). A unit letter alone ("1K", "64M")
// is rejected as ambiguous between the two. A fraction is allowed when the total is a whole
// number of bytes ("1.5KiB"). Plain TOML integers mean bytes; the config reader handles them.
core::Result<std::uint64_t> parse_size(std::string_view text);

// Inverse of parse_duration: the largest units with non-zero parts, "1h30m", "1s500ms", "0s".
// parse_duration(format_duration(d)) == d for every d >= 0.
std::string format_duration(core::Duration duration);

// Inverse of parse_size: the unit giving the smallest whole number ("64MiB", "1GB", "1000B"),
// binary units preferred. parse_size(format_size(n)) == n.
std::string format_size(std::uint64_t bytes);

}  // namespace vigil::config
