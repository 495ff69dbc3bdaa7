#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/app/component.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/host/aligned_ticker.h"
#include "collectors/host/host_config.h"
#include "collectors/host/host_scraper.h"
#include "collectors/host/statvfs_prober.h"

namespace vigil::collectors::host {

// The `host` collector: every `interval`, on wall-clock multiples of it, one scrape of the
// enabled scrapers as one ExportMetricsServiceRequest batch (README.md in this folder).
//
// A scrape: read the mount table, run the statvfs calls on the prober's threads, and when they
// have all answered or statvfs_timeout has passed, read everything else and encode. A mount
// that did not answer is reported with device_error = 1 and is not asked again until its call
// returns; the loop never waits for it.
class HostCollector final : public app::Collector {
 public:
  HostCollector(app::CollectorSpec spec, HostConfig config, const app::ComponentContext& context,
                HostScraper::Deps deps);
  ~HostCollector() override;
  HostCollector(const HostCollector&) = delete;
  HostCollector& operator=(const HostCollector&) = delete;

  core::Result<void> start() override;
  void stop(std::function<void()> done) override;

  // For tests: the scraper and the prober (null without the filesystem scraper).
  HostScraper& scraper() { return scraper_; }
  StatvfsProber* prober() { return prober_.get(); }
  // Scrapes skipped because a queue refused them (when_full = "block").
  std::uint64_t skipped_scrapes() const { return skipped_scrapes_; }

 private:
  void begin_scrape(std::int64_t time_unix_nanos);
  void on_probe_timeout();
  void finish_scrape();
  void collect_answers();
  void offer(std::uint64_t points);
  void publish_failures();

  app::CollectorSpec spec_;
  HostConfig config_;
  app::ComponentContext context_;
  HostScraper scraper_;
  std::unique_ptr<StatvfsProber> prober_;
  telemetry::Counter& received_points_;
  telemetry::Counter& blocked_points_;
  telemetry::Gauge& stuck_calls_;
  std::vector<telemetry::Counter*> failure_counters_;
  std::vector<std::uint64_t> published_failures_;
  AlignedTicker ticker_;
  std::unique_ptr<core::TimerHandle> timeout_timer_;
  std::string request_;
  std::int64_t scrape_time_ = 0;
  bool scraping_ = false;
  std::uint64_t skipped_scrapes_ = 0;
  std::uint64_t skipped_in_a_row_ = 0;
};

// Registered as `collectors.host` in agent/components.cpp.
app::CollectorFactory host_collector_factory();

}  // namespace vigil::collectors::host
