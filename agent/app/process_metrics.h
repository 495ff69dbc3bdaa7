#pragma once

#include <string>
#include <vector>

#include "agent/telemetry/metrics_registry.h"

namespace vigil::app {

// Readings of this process from /proc/self (root injected for tests).
struct ProcessSample {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double start_time_seconds = 0;  // since the epoch
};

// The parts of a sample, each from the one file it needs (a scrape of the internal metrics asks
// each callback once): CPU and start time from <proc_self>/stat (fields 14, 15 utime/stime and
// 22 starttime, in clock ticks; `boot_time_seconds` is /proc/stat's btime), memory from
// <proc_self>/statm (pages), descriptors by counting <proc_self>/fd. False when the file cannot
// be read or parsed.
bool read_process_cpu(const std::string& proc_self, double boot_time_seconds, ProcessSample& out);
bool read_process_memory(const std::string& proc_self, ProcessSample& out);
bool count_open_fds(const std::string& proc_self, ProcessSample& out);
// btime of /proc/stat (0 if it cannot be read).
double read_boot_time(const std::string& proc_stat);

// All of the above. Returns false when /proc cannot be read.
bool read_process_sample(const std::string& proc_self, const std::string& proc_stat,
                         ProcessSample& out);

// Registers process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_start_time_seconds (the names
// Prometheus client libraries use) and vigil_build_info. Keep the registrations alive.
std::vector<telemetry::Registration> register_process_metrics(telemetry::MetricsRegistry& registry);

}  // namespace vigil::app
