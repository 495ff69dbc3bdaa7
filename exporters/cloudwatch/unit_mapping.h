#pragma once

#include <string_view>

namespace vigil::exporters::cloudwatch {

// A CloudWatch unit for an OTLP (UCUM) unit, with the factor that converts values into it
// ("ns" has no CloudWatch unit: its values are sent as Microseconds times 0.001).
struct CloudWatchUnit {
  std::string_view name = "None";  // a member of CloudWatch's StandardUnit enum
  double factor = 1.0;
};

// UCUM as OpenTelemetry uses it: "s", "ms", "By", "KiBy", "bit/s", "%", "1", "{packet}", ...
// Annotations ("{packet}") are counts. Anything CloudWatch has no unit for maps to "None" with
// factor 1, so values are never changed by a guess.
CloudWatchUnit map_unit(std::string_view ucum);

// The per-second unit for a counter sent as a rate ("Bytes" -> "Bytes/Second"; "Count" ->
// "Count/Second"); "None" when CloudWatch has none ("Seconds" per second is a ratio).
std::string_view rate_unit(std::string_view unit);

// Whether `name` is one of CloudWatch's StandardUnit values.
bool is_cloudwatch_unit(std::string_view name);

}  // namespace vigil::exporters::cloudwatch
