#include "collectors/host/cgroup_scraper.h"

#include <cerrno>
#include <cstdio>

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kSelfCgroup = "/proc/self/cgroup";
constexpr std::string_view kCgroupMount = "/sys/fs/cgroup";

// cpu.stat keys, in the order of CgroupScraper::cpu_.
enum CpuKey : std::uint8_t {
  kUsageKey,
  kUserKey,
  kSystemKey,
  kPeriodsKey,
  kThrottledKey,
  kThrottledUsecKey
};
constexpr std::string_view kCpuKeyNames[] = {"usage_usec", "user_usec",    "system_usec",
                                             "nr_periods", "nr_throttled", "throttled_usec"};

// memory.stat keys: the byte gauges first, then the two fault counters.
constexpr std::size_t kMemoryGauges = 14;
constexpr std::size_t kPgfaultKey = 14;
constexpr std::size_t kPgmajfaultKey = 15;
constexpr std::string_view kMemoryKeyNames[] = {
    "anon",          "file",        "kernel_stack",   "slab",        "sock",          "shmem",
    "file_mapped",   "file_dirty",  "file_writeback", "active_anon", "inactive_anon", "active_file",
    "inactive_file", "unevictable", "pgfault",        "pgmajfault"};
constexpr std::size_t kInactiveFile = 12;

// One gauge per byte key of memory.stat, in the order of kMemoryKeyNames.
constexpr MetricInfo kMemoryGaugeInfo[kMemoryGauges] = {
    {"container.memory.anon", "Anonymous memory (memory.stat anon).", "By", MetricKind::kGauge},
    {"container.memory.file", "Page cache (memory.stat file).", "By", MetricKind::kGauge},
    {"container.memory.kernel_stack", "Kernel stacks (memory.stat kernel_stack).", "By",
     MetricKind::kGauge},
    {"container.memory.slab", "Kernel slab memory (memory.stat slab).", "By", MetricKind::kGauge},
    {"container.memory.sock", "Network buffers (memory.stat sock).", "By", MetricKind::kGauge},
    {"container.memory.shmem", "Shared memory and tmpfs (memory.stat shmem).", "By",
     MetricKind::kGauge},
    {"container.memory.file_mapped", "Mapped page cache (memory.stat file_mapped).", "By",
     MetricKind::kGauge},
    {"container.memory.file_dirty", "Dirty page cache (memory.stat file_dirty).", "By",
     MetricKind::kGauge},
    {"container.memory.file_writeback", "Page cache under writeback (memory.stat file_writeback).",
     "By", MetricKind::kGauge},
    {"container.memory.active_anon", "Active anonymous memory (memory.stat active_anon).", "By",
     MetricKind::kGauge},
    {"container.memory.inactive_anon", "Inactive anonymous memory (memory.stat inactive_anon).",
     "By", MetricKind::kGauge},
    {"container.memory.active_file", "Active page cache (memory.stat active_file).", "By",
     MetricKind::kGauge},
    {"container.memory.inactive_file", "Inactive page cache (memory.stat inactive_file).", "By",
     MetricKind::kGauge},
    {"container.memory.unevictable", "Unevictable memory (memory.stat unevictable).", "By",
     MetricKind::kGauge},
};

constexpr MetricInfo kCpuUsage{"container.cpu.usage.total", "CPU time used (cpu.stat usage).", "s",
                               MetricKind::kCounter};
constexpr MetricInfo kCpuTime{"container.cpu.time", "CPU time by state (cpu.stat).", "s",
                              MetricKind::kCounter};
constexpr MetricInfo kPeriods{"container.cpu.throttling_data.periods",
                              "Enforcement periods of the CPU limit.", "{period}",
                              MetricKind::kCounter};
constexpr MetricInfo kThrottledPeriods{"container.cpu.throttling_data.throttled_periods",
                                       "Periods in which the container was throttled.", "{period}",
                                       MetricKind::kCounter};
constexpr MetricInfo kThrottledTime{"container.cpu.throttling_data.throttled_time",
                                    "Time the container was throttled.", "s", MetricKind::kCounter};
constexpr MetricInfo kMemoryUsage{"container.memory.usage", "Memory in use (memory.current).", "By",
                                  MetricKind::kUpDown};
constexpr MetricInfo kMemoryLimit{"container.memory.limit",
                                  "Memory limit (memory.max); absent when unlimited.", "By",
                                  MetricKind::kUpDown};
constexpr MetricInfo kWorkingSet{"container.memory.working_set",
                                 "memory.current minus inactive page cache.", "By",
                                 MetricKind::kGauge};
constexpr MetricInfo kPgfault{"container.memory.pgfault", "Page faults.", "{fault}",
                              MetricKind::kCounter};
constexpr MetricInfo kPgmajfault{"container.memory.pgmajfault", "Major page faults.", "{fault}",
                                 MetricKind::kCounter};
constexpr MetricInfo kPidsCount{"container.pids.count", "Tasks in the cgroup (pids.current).",
                                "{process}", MetricKind::kUpDown};
constexpr MetricInfo kPidsLimit{"container.pids.limit",
                                "Task limit (pids.max); absent when unlimited.", "{process}",
                                MetricKind::kUpDown};

constexpr DeviceMetric kIoMetrics[] = {
    {{"container.disk.io", "Bytes read, written and discarded (io.stat).", "By",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kIoRbytes, "read", 4}, {kIoWbytes, "write", 4}, {kIoDbytes, "discard", kIoKeys}}},
     3},
    {{"container.disk.operations", "Read, write and discard operations (io.stat).", "{operation}",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kIoRios, "read", 4}, {kIoWios, "write", 4}, {kIoDios, "discard", kIoKeys}}},
     3},
};

// How many io.stat columns a line has in full: all six, the four read/write ones, or none.
std::uint8_t io_count(const IoStatLine& line) {
  constexpr std::uint8_t kAll = (1u << kIoKeys) - 1;
  constexpr std::uint8_t kReadWrite = 0x0F;
  if ((line.present & kAll) == kAll) return kIoKeys;
  if ((line.present & kReadWrite) == kReadWrite) return 4;
  return 0;
}

}  // namespace

int CgroupScraper::read(ProcFiles& files, std::string_view file) {
  path_.assign(dir_);
  path_.push_back('/');
  path_.append(file);
  return files.read(path_, text_);
}

void CgroupScraper::detect(ProcFiles& files) {
  state_ = State::kNotApplicable;
  if (files.read_once(kSelfCgroup, text_) != 0) {
    reason_ = "/proc/self/cgroup cannot be read";
    return;
  }
  const auto path = unified_cgroup_path(text_);
  if (!path) {
    reason_ = "no cgroup v2 line in /proc/self/cgroup";
    return;
  }
  const bool namespaced = *path == "/";
  dir_.assign(kCgroupMount);
  if (!namespaced) dir_.append(*path);
  path_.assign(dir_).append("/cgroup.controllers");
  if (!files.exists(path_)) {
    reason_ = "cgroup v2 is not mounted at /sys/fs/cgroup";
    return;
  }
  path_.assign(dir_).append("/cgroup.events");
  if (!files.exists(path_)) {
    reason_ = "vigil runs in the root cgroup";
    return;
  }
  if (!namespaced && !in_container_) {
    reason_ = "vigil's cgroup is not a container's (no cgroup namespace, no container.id)";
    return;
  }
  reason_ = {};
  state_ = State::kApplies;
}

bool CgroupScraper::scrape(ScrapeContext& context, SourceError& error) {
  if (state_ == State::kUnknown) detect(context.files());
  if (state_ != State::kApplies) return true;
  const ScrapeTimes t = times(context);
  bool ok = read_cpu(context, t, error);
  ok = read_values(context, t, error) && ok;
  ok = read_io(context, t, error) && ok;
  MetricsEncoder& encoder = context.encoder();
  encode_cpu(encoder, t.now);
  encode_memory(encoder, t);
  encode_device_metrics<kIoKeys>(encoder, io_devices_, kIoMetrics, t);
  encode_pids(encoder, t);
  if (ok) done(t.now);
  return ok;
}

bool CgroupScraper::read_cpu(ScrapeContext& context, const ScrapeTimes& t, SourceError& error) {
  cpu_found_ = 0;
  if (const int rc = read(context.files(), "cpu.stat"); rc != 0) {
    error = {"cpu.stat", rc};
    return false;
  }
  cpu_found_ = parse_flat_keyed(text_, kCpuKeyNames, cpu_);
  for (std::size_t i = 0; i < kCpuKeys; ++i) {
    if ((cpu_found_ >> i) & 1) cpu_starts_[i] = cpu_counters_[i].observe(cpu_[i], t);
  }
  return true;
}

// memory.current, memory.max, pids.current, pids.max and memory.stat. A missing file means its
// controller is not enabled for this cgroup: not an error.
bool CgroupScraper::read_values(ScrapeContext& context, const ScrapeTimes& t, SourceError& error) {
  bool ok = true;
  const auto read_value = [&](std::string_view file, CgroupValue& value) {
    const int rc = read(context.files(), file);
    if (rc == ENOENT) return false;
    if (rc != 0 || !parse_cgroup_value(text_, value)) {
      error = {file, rc};
      ok = false;
      return false;
    }
    return true;
  };
  has_memory_current_ = read_value("memory.current", memory_current_);
  has_memory_max_ = read_value("memory.max", memory_max_);
  has_pids_current_ = read_value("pids.current", pids_current_);
  has_pids_max_ = read_value("pids.max", pids_max_);

  memory_found_ = 0;
  if (const int rc = read(context.files(), "memory.stat"); rc == 0) {
    memory_found_ = parse_flat_keyed(text_, kMemoryKeyNames, memory_);
    for (const std::size_t key : {kPgfaultKey, kPgmajfaultKey}) {
      const std::size_t i = key - kPgfaultKey;
      if ((memory_found_ >> key) & 1)
        fault_starts_[i] = fault_counters_[i].observe(memory_[key], t);
    }
  } else if (rc != ENOENT) {
    error = {"memory.stat", rc};
    ok = false;
  }
  return ok;
}

bool CgroupScraper::read_io(ScrapeContext& context, const ScrapeTimes& t, SourceError& error) {
  const int rc = read(context.files(), "io.stat");
  io_lines_.clear();
  if (rc == 0) {
    parse_io_stat(text_, io_lines_);
  } else if (rc != ENOENT) {
    error = {"io.stat", rc};
  }
  io_devices_.begin();
  const NameFilter none;
  for (const IoStatLine& line : io_lines_) {
    char name[24];
    const int n = std::snprintf(name, sizeof name, "%u:%u", line.major, line.minor);
    update_device(io_devices_, std::string_view(name, static_cast<std::size_t>(n)), line.values,
                  io_count(line), none, t);
  }
  io_devices_.end();
  return rc == 0 || rc == ENOENT;
}

void CgroupScraper::encode_cpu(MetricsEncoder& encoder, std::int64_t now) const {
  const auto has = [&](CpuKey k) { return ((cpu_found_ >> k) & 1) != 0; };
  const auto seconds = [&](CpuKey k) { return static_cast<double>(cpu_[k]) / 1e6; };
  if (has(kUsageKey))
    encode_single_double(encoder, kCpuUsage, cpu_starts_[kUsageKey], now, seconds(kUsageKey));
  encoder.begin_metric(kCpuTime);
  if (has(kUserKey))
    encoder.add_double({{"state", "user"}}, cpu_starts_[kUserKey], now, seconds(kUserKey));
  if (has(kSystemKey)) {
    encoder.add_double({{"state", "system"}}, cpu_starts_[kSystemKey], now, seconds(kSystemKey));
  }
  encoder.end_metric();
  if (has(kPeriodsKey))
    encode_single_int(encoder, kPeriods, cpu_starts_[kPeriodsKey], now, cpu_[kPeriodsKey]);
  if (has(kThrottledKey)) {
    encode_single_int(encoder, kThrottledPeriods, cpu_starts_[kThrottledKey], now,
                      cpu_[kThrottledKey]);
  }
  if (has(kThrottledUsecKey)) {
    encode_single_double(encoder, kThrottledTime, cpu_starts_[kThrottledUsecKey], now,
                         seconds(kThrottledUsecKey));
  }
}

void CgroupScraper::encode_memory(MetricsEncoder& encoder, const ScrapeTimes& t) const {
  const std::int64_t start = t.updown_start();
  if (has_memory_current_) {
    encode_single_int(encoder, kMemoryUsage, start, t.now, memory_current_.value);
  }
  if (has_memory_max_ && !memory_max_.unlimited) {
    encode_single_int(encoder, kMemoryLimit, start, t.now, memory_max_.value);
  }
  for (std::size_t i = 0; i < kMemoryGauges; ++i) {
    if ((memory_found_ >> i) & 1)
      encode_single_int(encoder, kMemoryGaugeInfo[i], 0, t.now, memory_[i]);
  }
  if (has_memory_current_ && ((memory_found_ >> kInactiveFile) & 1)) {
    const std::uint64_t current = memory_current_.value;
    const std::uint64_t inactive = memory_[kInactiveFile];
    encode_single_int(encoder, kWorkingSet, 0, t.now, current > inactive ? current - inactive : 0);
  }
  if ((memory_found_ >> kPgfaultKey) & 1) {
    encode_single_int(encoder, kPgfault, fault_starts_[0], t.now, memory_[kPgfaultKey]);
  }
  if ((memory_found_ >> kPgmajfaultKey) & 1) {
    encode_single_int(encoder, kPgmajfault, fault_starts_[1], t.now, memory_[kPgmajfaultKey]);
  }
}

void CgroupScraper::encode_pids(MetricsEncoder& encoder, const ScrapeTimes& t) const {
  if (has_pids_current_)
    encode_single_int(encoder, kPidsCount, t.updown_start(), t.now, pids_current_.value);
  if (has_pids_max_ && !pids_max_.unlimited) {
    encode_single_int(encoder, kPidsLimit, t.updown_start(), t.now, pids_max_.value);
  }
}

}  // namespace vigil::collectors::host
