#include "agent/app/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "agent/core/unique_fd.h"
#include "vigil/version.h"

namespace vigil::app {

namespace {

// Reads what `fd` holds from offset 0 into `buffer` (NUL-terminated); its size, or -1.
ssize_t pread_small_file(int fd, char* buffer, std::size_t size) {
  std::size_t used = 0;
  while (used + 1 < size) {
    const ssize_t n = ::pread(fd, buffer + used, size - 1 - used, static_cast<off_t>(used));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  buffer[used] = '\0';
  return static_cast<ssize_t>(used);
}

core::UniqueFd open_read_only(const std::string& path) {
  return core::UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

// Reads a small /proc file into `buffer` (NUL-terminated); its size, or -1.
ssize_t read_small_file(const std::string& path, char* buffer, std::size_t size) {
  const core::UniqueFd fd = open_read_only(path);
  if (!fd.valid()) return -1;
  return pread_small_file(fd.get(), buffer, size);
}

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

bool parse_process_cpu(const char* stat, double boot_time_seconds, ProcessSample& out) {
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  const char* close = std::strrchr(stat, ')');
  if (close == nullptr) return false;
  // Field 3 is the first after ')'; utime is field 14, stime 15, starttime 22.
  const char* p = close + 1;
  double utime = 0, stime = 0, start = 0;
  int index = 3;
  for (; index <= 22; ++index) {
    while (*p == ' ') ++p;
    if (*p == '\0' || *p == '\n') break;
    char* end = nullptr;
    const double value = std::strtod(p, &end);
    if (index == 14) utime = value;
    if (index == 15) stime = value;
    if (index == 22) start = value;
    p = std::strchr(p, ' ');
    if (p == nullptr) break;
  }
  if (index < 22) return false;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  out.cpu_seconds = (utime + stime) / ticks;
  out.start_time_seconds = boot_time_seconds + start / ticks;
  return true;
}

bool parse_process_memory(const char* statm, ProcessSample& out) {
  char* end = nullptr;
  const double size = std::strtod(statm, &end);
  if (end == statm) return false;
  const char* resident_at = end;
  const double resident = std::strtod(resident_at, &end);
  if (end == resident_at) return false;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.virtual_bytes = size * page;
  out.resident_bytes = resident * page;
  return true;
}

bool count_entries(DIR* dir, ProcessSample& out) {
  rewinddir(dir);  // procfs lists the descriptors open now
  double count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  out.open_fds = count;
  return true;
}

// /proc/self's files, opened once: read again from offset 0 they give fresh figures, without
// the path lookup, open and close that every scrape otherwise paid for each.
struct ProcSelfFiles {
  core::UniqueFd stat;
  core::UniqueFd statm;
  DirPtr fd_dir{nullptr, closedir};

  bool read_cpu(ProcessSample& out) const {
    char text[1024];
    return stat.valid() && pread_small_file(stat.get(), text, sizeof text) > 0 &&
           parse_process_cpu(text, 0, out);
  }
  bool read_memory(ProcessSample& out) const {
    char text[256];
    return statm.valid() && pread_small_file(statm.get(), text, sizeof text) > 0 &&
           parse_process_memory(text, out);
  }
  bool count_fds(ProcessSample& out) const { return fd_dir && count_entries(fd_dir.get(), out); }
};

}  // namespace

double read_boot_time(const std::string& proc_stat) {
  // /proc/stat holds a line per CPU before btime: large on large machines.
  std::string text(64 * 1024, '\0');
  for (;;) {
    const ssize_t n = read_small_file(proc_stat, text.data(), text.size());
    if (n < 0) return 0;
    if (static_cast<std::size_t>(n) + 1 < text.size()) {
      text.resize(static_cast<std::size_t>(n));
      break;
    }
    text.resize(text.size() * 4);
  }
  const auto pos = text.find("\nbtime ");
  if (pos == std::string::npos) return 0;
  return std::strtod(text.c_str() + pos + 7, nullptr);
}

bool read_process_cpu(const std::string& proc_self, double boot_time_seconds, ProcessSample& out) {
  char stat[1024];
  if (read_small_file(proc_self + "/stat", stat, sizeof stat) <= 0) return false;
  return parse_process_cpu(stat, boot_time_seconds, out);
}

bool read_process_memory(const std::string& proc_self, ProcessSample& out) {
  char statm[256];
  if (read_small_file(proc_self + "/statm", statm, sizeof statm) <= 0) return false;
  return parse_process_memory(statm, out);
}

bool count_open_fds(const std::string& proc_self, ProcessSample& out) {
  DirPtr dir(opendir((proc_self + "/fd").c_str()), closedir);
  return dir && count_entries(dir.get(), out);
}

bool read_process_sample(const std::string& proc_self, const std::string& proc_stat,
                         ProcessSample& out) {
  if (!read_process_cpu(proc_self, read_boot_time(proc_stat), out)) return false;
  read_process_memory(proc_self, out);
  count_open_fds(proc_self, out);
  return true;
}

std::vector<telemetry::Registration> register_process_metrics(
    telemetry::MetricsRegistry& registry) {
  // Each callback reads only its own file, kept open; the start time never changes and
  // /proc/stat is read once, here.
  const std::string self = "/proc/self";
  ProcessSample at_start;
  read_process_cpu(self, read_boot_time("/proc/stat"), at_start);
  const double started = at_start.start_time_seconds;
  auto files = std::make_shared<ProcSelfFiles>();
  files->stat = open_read_only(self + "/stat");
  files->statm = open_read_only(self + "/statm");
  files->fd_dir.reset(opendir((self + "/fd").c_str()));
  std::vector<telemetry::Registration> regs;
  regs.push_back(registry.counter_callback(
      "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {}, [files] {
        ProcessSample s;
        files->read_cpu(s);
        return s.cpu_seconds;
      }));
  regs.push_back(registry.gauge_callback("process_resident_memory_bytes",
                                         "Resident memory size in bytes.", {}, [files] {
                                           ProcessSample s;
                                           files->read_memory(s);
                                           return s.resident_bytes;
                                         }));
  regs.push_back(registry.gauge_callback("process_virtual_memory_bytes",
                                         "Virtual memory size in bytes.", {}, [files] {
                                           ProcessSample s;
                                           files->read_memory(s);
                                           return s.virtual_bytes;
                                         }));
  regs.push_back(
      registry.gauge_callback("process_open_fds", "Number of open file descriptors.", {}, [files] {
        ProcessSample s;
        files->count_fds(s);
        return s.open_fds;
      }));
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
