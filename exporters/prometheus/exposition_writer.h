#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "exporters/prometheus/prometheus_translation.h"

namespace vigil::exporters::prometheus {

// Pieces of exposition text, appended to a reused buffer (no allocation once it has grown).

// A label value or an OpenMetrics HELP text: `\` -> `\\`, `"` -> `\"`, newline -> `\n`
// (text 0.0.4 and OpenMetrics agree on label values).
void append_escaped(std::string_view value, std::string& out);
// A text 0.0.4 HELP text: `\` -> `\\`, newline -> `\n`; double quotes stay as they are.
void append_escaped_help_text(std::string_view help, std::string& out);

// `{a="x",b="y"}` (values escaped), or nothing without labels. `skip` names one label to leave
// out ("le" or "quantile" for a histogram's or summary's group), or is empty.
void append_labels(std::span<const LabelView> labels, std::string_view skip, std::string& out);

// A sample value as Go's ParseFloat reads it back exactly: the shortest round-trip text,
// "NaN", "+Inf" or "-Inf".
void append_value(double value, std::string& out);
// A decimal integer (text 0.0.4 timestamps, milliseconds).
void append_integer(std::int64_t value, std::string& out);
// Milliseconds as OpenMetrics seconds with three decimals: 1700000000123 -> "1700000000.123".
void append_seconds(std::int64_t millis, std::string& out);

}  // namespace vigil::exporters::prometheus
