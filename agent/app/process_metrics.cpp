#include "agent/app/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "vigil/version.h"

namespace vigil::app {

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

double boot_time(const std::string& proc_stat) {
  std::string text;
  if (!read_file(proc_stat, text)) return 0;
  auto pos = text.find("\nbtime ");
  if (pos == std::string::npos) return 0;
  return std::strtod(text.c_str() + pos + 7, nullptr);
}

}  // namespace

bool read_process_sample(const std::string& proc_self, const std::string& proc_stat,
                         ProcessSample& out) {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::string stat;
  if (!read_file(proc_self + "/stat", stat)) return false;
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  // Field 3 is the first after ')'; utime is field 14, stime 15, starttime 22.
  double utime = 0, stime = 0, start = 0;
  for (int index = 3; index <= 22 && (fields >> field); ++index) {
    if (index == 14) utime = std::strtod(field.c_str(), nullptr);
    if (index == 15) stime = std::strtod(field.c_str(), nullptr);
    if (index == 22) start = std::strtod(field.c_str(), nullptr);
  }
  out.cpu_seconds = (utime + stime) / ticks;
  out.start_time_seconds = boot_time(proc_stat) + start / ticks;

  std::string statm;
  if (read_file(proc_self + "/statm", statm)) {
    double size = 0, resident = 0;
    std::istringstream(statm) >> size >> resident;
    out.virtual_bytes = size * page;
    out.resident_bytes = resident * page;
  }

  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir((proc_self + "/fd").c_str()), closedir);
  if (dir) {
    double count = 0;
    while (dirent* entry = readdir(dir.get())) {
      if (entry->d_name[0] != '.') ++count;
    }
    out.open_fds = count;
  }
  return true;
}

std::vector<telemetry::Registration> register_process_metrics(
    telemetry::MetricsRegistry& registry) {
  auto sample = [] {
    ProcessSample s;
    read_process_sample("/proc/self", "/proc/stat", s);
    return s;
  };
  std::vector<telemetry::Registration> regs;
  regs.push_back(registry.counter_callback("process_cpu_seconds_total",
                                           "Total user and system CPU time spent in seconds.", {},
                                           [=] { return sample().cpu_seconds; }));
  regs.push_back(registry.gauge_callback("process_resident_memory_bytes",
                                         "Resident memory size in bytes.", {},
                                         [=] { return sample().resident_bytes; }));
  regs.push_back(registry.gauge_callback("process_virtual_memory_bytes",
                                         "Virtual memory size in bytes.", {},
                                         [=] { return sample().virtual_bytes; }));
  regs.push_back(registry.gauge_callback("process_open_fds", "Number of open file descriptors.", {},
                                         [=] { return sample().open_fds; }));
  const double started = sample().start_time_seconds;
  regs.push_back(registry.gauge_callback("process_start_time_seconds",
                                         "Start time of the process since unix epoch in seconds.",
                                         {}, [started] { return started; }));
  registry
      .gauge("vigil_build_info", "vigil's version; the value is always 1.",
             {{"version", vigil::kVersion}})
      .set(1);
  return regs;
}

}  // namespace vigil::app
