#pragma once

// The standard OTLP-to-Prometheus naming rules (OpenTelemetry "Prometheus and OpenMetrics
// compatibility"; the collector's and Prometheus' otlptranslator): metric names, unit suffixes,
// label names, and the text of le/quantile label values.

#include <string>
#include <string_view>

namespace vigil::exporters::prometheus {

// What the type adds to a family name.
enum class TypeSuffix : unsigned char {
  kNone,
  kTotal,  // monotonic sums (counters): "_total", moved to the end if the name has it elsewhere
  kRatio,  // gauges of unit "1": "_ratio"
};

// The Prometheus word(s) for a UCUM unit: "s" -> "seconds", "By/s" -> "bytes_per_second",
// "{packet}" -> "", "1" -> "", unknown units as they are with invalid characters made "_".
std::string unit_suffix(std::string_view ucum);

// A family name by the standard rules, written to `out` (cleared first):
//   1. the name's runs of characters outside [a-zA-Z0-9:] (and "_") become one "_", with none
//      leading or trailing ("http.server.duration" -> "http_server_duration");
//   2. the unit's words are appended unless the name already has them as a token
//      ("seconds", "bytes_per_second"; annotations like "{packet}" add nothing);
//   3. the type suffix ("_total" or "_ratio") goes last;
//   4. a name starting with a digit gets a leading "_".
// `unit_word` receives the unit word(s) the name ends with (for OpenMetrics' UNIT), or "".
// Leaves `out` empty when the name has no valid character at all.
void standard_metric_name(std::string_view otel_name, std::string_view ucum, TypeSuffix suffix,
                          std::string& out, std::string& unit_word);

// A label name from an attribute key, appended to `out`: every character (UTF-8 sequence)
// outside [a-zA-Z0-9_] becomes "_"; a leading digit gets the prefix "key_"; a leading "_" gets
// the prefix "key" (so nothing collides with the reserved "__" names). "" stays "".
void append_label_name(std::string_view key, std::string& out);

// Characters allowed in metric names anywhere: [a-zA-Z0-9_:] (not a leading digit).
bool is_valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*
bool is_valid_label_name(std::string_view name);

// The text of a bucket bound or quantile as a label value: the shortest text that reads back
// as the same double ("0.005", "1", "250", "1e-09" for tiny or huge values), "+Inf", "-Inf",
// "NaN". Appended to `out`.
void append_label_double(double value, std::string& out);

}  // namespace vigil::exporters::prometheus
