#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "collectors/host/cgroup_parser.h"
#include "collectors/host/device_metrics.h"
#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `cgroup`: the container's own cgroup v2 (sidecar mode): cpu.stat, memory.current,
// memory.max, memory.stat, io.stat, pids.current and pids.max as container.* metrics.
//
// Applies only when all of these hold (checked once, at the first scrape):
// - /proc/self/cgroup has a unified-hierarchy line "0::<path>";
// - /sys/fs/cgroup<path>/cgroup.controllers exists (cgroup v2 is mounted there);
// - that cgroup is not the root cgroup: it has cgroup.events, which the kernel gives every
//   cgroup but the root;
// - vigil runs in a container: <path> is "/" (a private cgroup namespace, as container
//   runtimes create on cgroup v2) or the agent's resource has a container.id.
// Otherwise (a host, a systemd service, cgroup v1) it reports nothing and says why once.
class CgroupScraper final : public Scraper {
 public:
  explicit CgroupScraper(bool in_container) : in_container_(in_container) {}
  std::string_view name() const override { return "cgroup"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

  enum class State : std::uint8_t { kUnknown, kApplies, kNotApplicable };
  State state() const { return state_; }
  // Why it does not apply (after the first scrape), for the log.
  std::string_view reason() const { return reason_; }

 private:
  static constexpr std::size_t kCpuKeys = 6;
  static constexpr std::size_t kMemoryKeys = 16;

  void detect(ProcFiles& files);
  int read(ProcFiles& files, std::string_view file);
  bool read_cpu(ScrapeContext& context, const ScrapeTimes& t, SourceError& error);
  bool read_values(ScrapeContext& context, const ScrapeTimes& t, SourceError& error);
  bool read_io(ScrapeContext& context, const ScrapeTimes& t, SourceError& error);
  void encode_cpu(MetricsEncoder& encoder, std::int64_t now) const;
  void encode_memory(MetricsEncoder& encoder, const ScrapeTimes& t) const;
  void encode_pids(MetricsEncoder& encoder, const ScrapeTimes& t) const;

  bool in_container_;
  State state_ = State::kUnknown;
  std::string_view reason_;
  std::string dir_;   // "/sys/fs/cgroup<path>"
  std::string path_;  // dir_ + "/" + file, reused
  std::string text_;

  std::uint64_t cpu_found_ = 0;
  std::array<std::uint64_t, kCpuKeys> cpu_{};
  std::array<CounterStart, kCpuKeys> cpu_counters_{};
  std::array<std::int64_t, kCpuKeys> cpu_starts_{};

  bool has_memory_current_ = false;
  CgroupValue memory_current_;
  bool has_memory_max_ = false;
  CgroupValue memory_max_;
  std::uint64_t memory_found_ = 0;
  std::array<std::uint64_t, kMemoryKeys> memory_{};
  std::array<CounterStart, 2> fault_counters_{};
  std::array<std::int64_t, 2> fault_starts_{};

  std::vector<IoStatLine> io_lines_;
  EntityTable<DeviceEntity<kIoKeys>> io_devices_;

  bool has_pids_current_ = false;
  CgroupValue pids_current_;
  bool has_pids_max_ = false;
  CgroupValue pids_max_;
};

}  // namespace vigil::collectors::host
