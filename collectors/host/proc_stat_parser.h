#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

// Pure parser of /proc/stat (PROTOCOLS.md 8.1): text in, struct out, no I/O. Shared by the
// cpu scraper (the cpuN lines) and the system scraper (btime, ctxt, processes, intr, procs_*).
namespace vigil::collectors::host {

// Columns of a cpu line, in kernel order. Older kernels print fewer (guest since 2.6.24,
// guest_nice since 2.6.33); a line has `fields` of them.
enum CpuColumn : std::uint8_t {
  kCpuUser,
  kCpuNice,
  kCpuSystem,
  kCpuIdle,
  kCpuIowait,
  kCpuIrq,
  kCpuSoftirq,
  kCpuSteal,
  kCpuGuest,
  kCpuGuestNice,
  kCpuColumns
};

struct CpuLine {
  std::string_view cpu;  // the number after "cpu" ("0", "17"), a view into the parsed text
  std::array<std::uint64_t, kCpuColumns> ticks{};  // USER_HZ ticks
  std::uint8_t fields = 0;
};

struct ProcStat {
  // Bits of `present`: which single-value lines the text had.
  static constexpr std::uint32_t kIntr = 1u << 0;
  static constexpr std::uint32_t kCtxt = 1u << 1;
  static constexpr std::uint32_t kBtime = 1u << 2;
  static constexpr std::uint32_t kProcesses = 1u << 3;
  static constexpr std::uint32_t kProcsRunning = 1u << 4;
  static constexpr std::uint32_t kProcsBlocked = 1u << 5;

  std::vector<CpuLine> cpus;  // the per-CPU "cpuN" lines in file order (not the "cpu" total)
  std::uint64_t intr = 0;     // first number of the intr line: the total
  std::uint64_t ctxt = 0;
  std::uint64_t btime = 0;  // seconds since the epoch
  std::uint64_t processes = 0;
  std::uint64_t procs_running = 0;
  std::uint64_t procs_blocked = 0;
  std::uint32_t present = 0;

  bool has(std::uint32_t bit) const { return (present & bit) != 0; }
};

// Fills `out` (its vectors are cleared, their capacity kept) from the text of /proc/stat. Lines
// it does not know or cannot read are skipped; a cpu line needs at least 4 columns (user, nice,
// system, idle), every later column is kept if present. The views point into `text`.
void parse_proc_stat(std::string_view text, ProcStat& out);

}  // namespace vigil::collectors::host
