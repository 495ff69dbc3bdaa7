#include "collectors/host/load_scraper.h"

#include "collectors/host/loadavg_parser.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kSource = "/proc/loadavg";

constexpr MetricInfo kLoad1{"system.cpu.load_average.1m", "1 minute load average.", "1",
                            MetricKind::kGauge};
constexpr MetricInfo kLoad5{"system.cpu.load_average.5m", "5 minute load average.", "1",
                            MetricKind::kGauge};
constexpr MetricInfo kLoad15{"system.cpu.load_average.15m", "15 minute load average.", "1",
                             MetricKind::kGauge};

}  // namespace

bool LoadScraper::scrape(ScrapeContext& context, SourceError& error) {
  LoadAverage load;
  if (!read_parsed(context, kSource, text_, error,
                   [&](std::string_view text) { return parse_loadavg(text, load); })) {
    return false;
  }
  MetricsEncoder& encoder = context.encoder();
  const std::pair<const MetricInfo&, double> gauges[] = {
      {kLoad1, load.one}, {kLoad5, load.five}, {kLoad15, load.fifteen}};
  for (const auto& [info, value] : gauges)
    encode_single_double(encoder, info, 0, context.now(), value);
  done(context.now());
  return true;
}

}  // namespace vigil::collectors::host
