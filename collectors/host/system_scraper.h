#pragma once

#include <string>

#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `system`: boot time, context switches, forks, interrupts and processes running/blocked from
// /proc/stat; uptime from /proc/uptime; allocated and maximum file handles from
// /proc/sys/fs/file-nr. Each source that fails leaves out only its own metrics.
class SystemScraper final : public Scraper {
 public:
  std::string_view name() const override { return "system"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  void encode_stat(const ProcStat& stat, MetricsEncoder& encoder, const ScrapeTimes& t);

  std::string text_;
  CounterStart context_switches_;
  CounterStart forks_;
  CounterStart interrupts_;
};

}  // namespace vigil::collectors::host
