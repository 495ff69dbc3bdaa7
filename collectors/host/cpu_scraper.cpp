#include "collectors/host/cpu_scraper.h"

#include <algorithm>

namespace vigil::collectors::host {

namespace {

// The states of system.cpu.time, in /proc/stat's column order (guest and guest_nice are
// already counted in user and nice: they go to system.cpu.guest_time).
constexpr std::string_view kStates[] = {"user",   "nice",      "system",  "idle",
                                        "iowait", "interrupt", "softirq", "steal"};
constexpr std::size_t kStateCount = std::size(kStates);

constexpr MetricInfo kCpuTime{"system.cpu.time", "Seconds each CPU spent in each state.", "s",
                              MetricKind::kCounter};
constexpr MetricInfo kGuestTime{"system.cpu.guest_time",
                                "Seconds each CPU spent running guests (included in user and "
                                "nice).",
                                "s", MetricKind::kCounter};
constexpr MetricInfo kUtilization{"system.cpu.utilization",
                                  "Share of each CPU's time spent in each state since the "
                                  "previous scrape.",
                                  "1", MetricKind::kGauge};

}  // namespace

CpuScraper::CpuScraper(long user_hz, bool utilization)
    : user_hz_(static_cast<double>(user_hz > 0 ? user_hz : 100)), utilization_(utilization) {}

bool CpuScraper::scrape(ScrapeContext& context, SourceError& error) {
  const ProcStat* stat = context.proc_stat(error);
  if (stat == nullptr) return false;
  const ScrapeTimes t = times(context);
  cpus_.begin();
  for (const CpuLine& line : stat->cpus) {
    bool created = false;
    Cpu& cpu = cpus_.find_or_add(line.cpu, created);
    cpu.previous = cpu.ticks;
    cpu.has_previous = !created && cpu.fields == line.fields;
    cpu.fields = line.fields;
    cpu.ticks = line.ticks;
    for (std::size_t i = 0; i < line.fields; ++i) {
      cpu.starts[i] = cpu.counters[i].observe(line.ticks[i], t);
    }
  }
  cpus_.end();
  encode_times(context.encoder(), t.now);
  if (utilization_) encode_utilization(context.encoder(), t.now);
  done(t.now);
  return true;
}

void CpuScraper::encode_times(MetricsEncoder& encoder, std::int64_t now) const {
  encoder.begin_metric(kCpuTime);
  for (const Cpu& cpu : cpus_.items()) {
    for (std::size_t i = 0; i < kStateCount && i < cpu.fields; ++i) {
      encoder.add_double({{"cpu", cpu.key}, {"state", kStates[i]}}, cpu.starts[i], now,
                         seconds(cpu.ticks[i]));
    }
  }
  encoder.end_metric();

  encoder.begin_metric(kGuestTime);
  for (const Cpu& cpu : cpus_.items()) {
    if (cpu.fields > kCpuGuest) {
      encoder.add_double({{"cpu", cpu.key}, {"state", "user"}}, cpu.starts[kCpuGuest], now,
                         seconds(cpu.ticks[kCpuGuest]));
    }
    if (cpu.fields > kCpuGuestNice) {
      encoder.add_double({{"cpu", cpu.key}, {"state", "nice"}}, cpu.starts[kCpuGuestNice], now,
                         seconds(cpu.ticks[kCpuGuestNice]));
    }
  }
  encoder.end_metric();
}

void CpuScraper::encode_utilization(MetricsEncoder& encoder, std::int64_t now) const {
  encoder.begin_metric(kUtilization);
  for (const Cpu& cpu : cpus_.items()) {
    if (!cpu.has_previous) continue;
    // Shares of the ticks that passed, so the states of a CPU add up to 1 whatever the wall
    // clock did. A state that went back (a reset) leaves this CPU out for this scrape.
    const std::size_t states = std::min<std::size_t>(kStateCount, cpu.fields);
    std::uint64_t total = 0;
    bool reset = false;
    for (std::size_t i = 0; i < states; ++i) {
      if (cpu.ticks[i] < cpu.previous[i]) reset = true;
      total += cpu.ticks[i] - cpu.previous[i];
    }
    if (reset || total == 0) continue;
    for (std::size_t i = 0; i < states; ++i) {
      encoder.add_double(
          {{"cpu", cpu.key}, {"state", kStates[i]}}, 0, now,
          static_cast<double>(cpu.ticks[i] - cpu.previous[i]) / static_cast<double>(total));
    }
  }
  encoder.end_metric();
}

}  // namespace vigil::collectors::host
