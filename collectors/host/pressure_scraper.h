#pragma once

#include <array>
#include <string>

#include "collectors/host/pressure_parser.h"
#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// `pressure`: Pressure Stall Information from /proc/pressure/{cpu,memory,io}. A kernel without
// PSI (or booted with psi=0) has no such files: that is not an error, there are just no
// system.pressure.* series.
class PressureScraper final : public Scraper {
 public:
  std::string_view name() const override { return "pressure"; }
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  struct Resource {
    bool present = false;
    Pressure pressure;
    CounterStart some;
    CounterStart full;
    std::int64_t some_start = 0;
    std::int64_t full_start = 0;
  };

  std::string text_;
  std::array<Resource, 3> resources_;
};

}  // namespace vigil::collectors::host
