#pragma once

#include <cstddef>
#include <string>

#include "agent/core/clock.h"
#include "exporters/prometheus/exposition_negotiation.h"
#include "exporters/prometheus/series_store.h"

namespace vigil::exporters::prometheus {

struct RenderOptions {
  ExpositionFormat format = ExpositionFormat::kText;
  // Append each sample's timestamp (text: milliseconds; OpenMetrics: seconds). Off by default,
  // like node_exporter: Prometheus then stamps samples with its scrape time and applies its own
  // staleness handling.
  bool timestamps = false;
};

// Writes the series of `store` that are fresh at `now` into `out` (cleared first; its capacity
// is reused, so a steady-state render allocates nothing). Families come in name order, each with
// its metadata lines first and only when it has a fresh series.
//
// Text 0.0.4 (PROTOCOLS.md 4.4): `# HELP` (when the family has a description) and `# TYPE`
// (`untyped` for unknown) named as the samples are (counters with `_total`).
// OpenMetrics 1.0 (4.5): `# TYPE`, `# UNIT` (when the family name ends in `_<unit>`), `# HELP`;
// counters' family names without `_total` (a counter whose name lacks `_total` is typed
// `unknown` instead, so its samples keep their names), `<family>_created` after each counter
// series and each histogram or summary point whose start time is known, and `# EOF` last.
// Returns the number of samples written (without _created).
std::size_t render_exposition(const SeriesStore& store, core::MonoTime now,
                              const RenderOptions& options, std::string& out);

}  // namespace vigil::exporters::prometheus
