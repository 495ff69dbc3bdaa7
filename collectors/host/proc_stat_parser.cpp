#include "collectors/host/proc_stat_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

constexpr std::size_t kMinCpuColumns = 4;

void parse_cpu_line(std::string_view key, std::string_view rest, ProcStat& out) {
  CpuLine line;
  line.cpu = key.substr(3);
  std::uint64_t number = 0;
  if (!to_u64(line.cpu, number)) return;
  for (std::size_t i = 0; i < kCpuColumns; ++i) {
    const std::string_view field = next_field(rest);
    if (field.empty() || !to_u64(field, line.ticks[i])) break;
    line.fields = static_cast<std::uint8_t>(i + 1);
  }
  if (line.fields >= kMinCpuColumns) out.cpus.push_back(line);
}

struct SingleValueLine {
  std::string_view key;
  std::uint64_t ProcStat::*member;
  std::uint32_t bit;
};

constexpr SingleValueLine kSingleValues[] = {
    {"intr", &ProcStat::intr, ProcStat::kIntr},
    {"ctxt", &ProcStat::ctxt, ProcStat::kCtxt},
    {"btime", &ProcStat::btime, ProcStat::kBtime},
    {"processes", &ProcStat::processes, ProcStat::kProcesses},
    {"procs_running", &ProcStat::procs_running, ProcStat::kProcsRunning},
    {"procs_blocked", &ProcStat::procs_blocked, ProcStat::kProcsBlocked},
};

}  // namespace

void parse_proc_stat(std::string_view text, ProcStat& out) {
  out.cpus.clear();
  out.present = 0;
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    const std::string_view key = next_field(rest);
    if (key.size() > 3 && key.starts_with("cpu")) {
      parse_cpu_line(key, rest, out);
      continue;
    }
    for (const auto& single : kSingleValues) {
      if (key != single.key) continue;
      // intr is followed by one count per interrupt source: only the total is kept.
      std::uint64_t value = 0;
      if (to_u64(next_field(rest), value)) {
        out.*single.member = value;
        out.present |= single.bit;
      }
      break;
    }
  }
}

}  // namespace vigil::collectors::host
