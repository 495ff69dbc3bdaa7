#pragma once

#include <string>

#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `load`: the 1, 5 and 15 minute load averages of /proc/loadavg.
class LoadScraper final : public Scraper {
 public:
  std::string_view name() const override { return "load"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  std::string text_;
};

}  // namespace vigil::collectors::host
