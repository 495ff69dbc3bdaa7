#include "collectors/host/pressure_scraper.h"

#include <cerrno>

namespace vigil::collectors::host {

namespace {

struct ResourceFile {
  std::string_view resource;
  std::string_view path;
  bool reports_full;  // node_exporter 1.5 reports "full" for memory and io only
};
constexpr ResourceFile kFiles[] = {
    {"cpu", "/proc/pressure/cpu", false},
    {"memory", "/proc/pressure/memory", true},
    {"io", "/proc/pressure/io", true},
};

constexpr MetricInfo kWaiting{"system.pressure.waiting",
                              "Seconds in which some tasks were stalled on the resource "
                              "(PSI \"some\" total).",
                              "s", MetricKind::kCounter};
constexpr MetricInfo kStalled{"system.pressure.stalled",
                              "Seconds in which all non-idle tasks were stalled on the resource "
                              "(PSI \"full\" total).",
                              "s", MetricKind::kCounter};

}  // namespace

bool PressureScraper::scrape(ScrapeContext& context, SourceError& error) {
  const ScrapeTimes t = times(context);
  bool ok = true;
  for (std::size_t i = 0; i < std::size(kFiles); ++i) {
    Resource& r = resources_[i];
    r.present = false;
    const int rc = context.files().read(kFiles[i].path, text_);
    if (rc == ENOENT) continue;  // no PSI: no series
    if (rc != 0 || !parse_pressure(text_, r.pressure)) {
      error = {kFiles[i].path, rc};
      ok = false;
      continue;
    }
    r.present = true;
    if (r.pressure.has_some) r.some_start = r.some.observe(r.pressure.some_total_us, t);
    if (r.pressure.has_full) r.full_start = r.full.observe(r.pressure.full_total_us, t);
  }
  MetricsEncoder& encoder = context.encoder();
  for (const bool full : {false, true}) {
    encoder.begin_metric(full ? kStalled : kWaiting);
    for (std::size_t i = 0; i < std::size(kFiles); ++i) {
      const Resource& r = resources_[i];
      if (!r.present || (full && !kFiles[i].reports_full)) continue;
      if (full ? !r.pressure.has_full : !r.pressure.has_some) continue;
      // Divided twice, as node_exporter 1.5 does (float64(total)/1000.0/1000.0): the same double.
      const std::uint64_t total_us = full ? r.pressure.full_total_us : r.pressure.some_total_us;
      encoder.add_double({{"resource", kFiles[i].resource}}, full ? r.full_start : r.some_start,
                         t.now, static_cast<double>(total_us) / 1000.0 / 1000.0);
    }
    encoder.end_metric();
  }
  if (ok) done(t.now);
  return ok;
}

}  // namespace vigil::collectors::host
