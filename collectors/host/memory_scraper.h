#pragma once

#include <string>
#include <vector>

#include "collectors/host/meminfo_parser.h"
#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `memory`: /proc/meminfo, every field (node_exporter's node_memory_*) plus the semantic
// conventions' system.memory.usage by state.
class MemoryScraper final : public Scraper {
 public:
  std::string_view name() const override { return "memory"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  void encode_usage(MetricsEncoder& encoder, const ScrapeTimes& times) const;

  std::string text_;
  std::vector<MeminfoField> fields_;
};

}  // namespace vigil::collectors::host
