#pragma once

#include <string_view>

// Pure parser of /proc/loadavg (PROTOCOLS.md 8.6): text in, struct out, no I/O.
namespace vigil::collectors::host {

struct LoadAverage {
  double one = 0;
  double five = 0;
  double fifteen = 0;
};

// Reads the first three numbers of "0.20 0.18 0.12 1/80 11206"; false if they are not there.
bool parse_loadavg(std::string_view text, LoadAverage& out);

}  // namespace vigil::collectors::host
