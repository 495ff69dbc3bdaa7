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

// Parses /proc/<pid>/stat (fields 14, 15 utime/stime and 22 starttime, in clock ticks),
// /proc/<pid>/statm (pages), and counts /proc/<pid>/fd. `boot_time_seconds` comes from
// /proc/stat's btime. Returns false when /proc cannot be read.
bool read_process_sample(const std::string& proc_self, const std::string& proc_stat,
                         ProcessSample& out);

// Registers process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_start_time_seconds (the names
// Prometheus client libraries use) and vigil_build_info. Keep the registrations alive.
std::vector<telemetry::Registration> register_process_metrics(telemetry::MetricsRegistry& registry);

}  // namespace vigil::app
