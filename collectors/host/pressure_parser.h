#pragma once

#include <cstdint>
#include <string_view>

// Pure parser of a Pressure Stall Information file, /proc/pressure/{cpu,memory,io} (and a
// cgroup's *.pressure) (PROTOCOLS.md 8.8): text in, struct out, no I/O.
namespace vigil::collectors::host {

struct Pressure {
  bool has_some = false;
  bool has_full = false;
  std::uint64_t some_total_us = 0;  // cumulative stall time, microseconds
  std::uint64_t full_total_us = 0;
};

// Reads the total= of the "some" and "full" lines ("some avg10=0.00 avg60=0.00 avg300=0.00
// total=12345"); false when neither is there.
bool parse_pressure(std::string_view text, Pressure& out);

}  // namespace vigil::collectors::host
