#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

// Pure parser of /proc/net/dev (PROTOCOLS.md 8.4): text in, struct out, no I/O.
namespace vigil::collectors::host {

// The 16 columns after "name:", in kernel order: 8 receive, then 8 transmit.
enum NetDevColumn : std::uint8_t {
  kRxBytes,
  kRxPackets,
  kRxErrs,
  kRxDrop,
  kRxFifo,
  kRxFrame,
  kRxCompressed,
  kRxMulticast,
  kTxBytes,
  kTxPackets,
  kTxErrs,
  kTxDrop,
  kTxFifo,
  kTxColls,
  kTxCarrier,
  kTxCompressed,
  kNetDevColumns
};

struct NetDevLine {
  std::string_view device;  // into the parsed text
  std::array<std::uint64_t, kNetDevColumns> values{};
};

// Fills `out` (cleared, capacity kept) with one entry per interface line. The kernel writes
// "%6s:" before the numbers, so a long name abuts them ("enp0s31f6:1234") and the name is
// everything before the last ':' (numbers never hold one), without the padding: a name that
// itself holds a colon or an inner space survives. Header lines and lines without all 16
// numbers are skipped.
void parse_net_dev(std::string_view text, std::vector<NetDevLine>& out);

}  // namespace vigil::collectors::host
