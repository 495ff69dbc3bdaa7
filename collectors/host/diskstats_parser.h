#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

// Pure parser of /proc/diskstats (PROTOCOLS.md 8.3): text in, struct out, no I/O.
namespace vigil::collectors::host {

// The statistics after "major minor name", in kernel order (Documentation/admin-guide/
// iostats.rst). Kernels before 4.18 print 11 of them (14 columns per line), 4.18 to 5.4 add the
// discard group (15; 18 columns), 5.5 and later the flush group (17; 20 columns).
enum DiskStat : std::uint8_t {
  kDiskReads,
  kDiskReadsMerged,
  kDiskSectorsRead,
  kDiskReadMs,
  kDiskWrites,
  kDiskWritesMerged,
  kDiskSectorsWritten,
  kDiskWriteMs,
  kDiskIoInProgress,  // the only gauge
  kDiskIoMs,
  kDiskWeightedIoMs,
  kDiskDiscards,
  kDiskDiscardsMerged,
  kDiskSectorsDiscarded,
  kDiskDiscardMs,
  kDiskFlushes,
  kDiskFlushMs,
  kDiskStats
};

inline constexpr std::uint8_t kDiskStatsBase = 11;
inline constexpr std::uint8_t kDiskStatsWithDiscards = 15;
inline constexpr std::uint8_t kDiskStatsWithFlushes = 17;

struct DiskStatsLine {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::string_view device;  // into the parsed text
  std::array<std::uint64_t, kDiskStats> stats{};
  std::uint8_t count = 0;  // 11, 15 or 17 (columns beyond 17 are ignored)
};

// Fills `out` (cleared, capacity kept) with one entry per line that has a major, a minor, a
// name and at least the 11 base statistics; other lines are skipped.
void parse_diskstats(std::string_view text, std::vector<DiskStatsLine>& out);

}  // namespace vigil::collectors::host
