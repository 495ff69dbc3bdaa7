#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "collectors/host/proc_stat_parser.h"
#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `cpu`: per-CPU time by state from the cpuN lines of /proc/stat, ticks / USER_HZ; optionally
// the utilization of each state since the previous scrape.
class CpuScraper final : public Scraper {
 public:
  // `user_hz`: sysconf(_SC_CLK_TCK), the unit of /proc/stat's columns (injected for tests).
  CpuScraper(long user_hz, bool utilization);
  std::string_view name() const override { return "cpu"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  struct Cpu {
    std::string key;  // "0", "1", ...: the cpu attribute
    bool seen = false;
    std::uint8_t fields = 0;
    std::array<std::uint64_t, kCpuColumns> ticks{};
    std::array<std::int64_t, kCpuColumns> starts{};
    std::array<CounterStart, kCpuColumns> counters{};
    // The previous scrape's ticks, for utilization.
    std::array<std::uint64_t, kCpuColumns> previous{};
    bool has_previous = false;
  };

  void encode_times(MetricsEncoder& encoder, std::int64_t now) const;
  void encode_utilization(MetricsEncoder& encoder, std::int64_t now) const;

  // Ticks divided (not multiplied by 1/USER_HZ) as node_exporter's procfs does, so both give
  // the same double.
  double seconds(std::uint64_t ticks) const { return static_cast<double>(ticks) / user_hz_; }

  double user_hz_;
  bool utilization_;
  EntityTable<Cpu> cpus_;
};

}  // namespace vigil::collectors::host
