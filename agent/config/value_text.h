#pragma once

#include <string>

#include <toml++/toml.h>

namespace vigil::config {

// How a value found in the file is shown in messages: `10`, `1.5`, `"abc"`, `true`,
// `a table`, `an array`, `the date 2024-01-31`.
std::string describe(const toml::node& node);
// Only its type, for values that must not be shown (secrets): `a string`, `an integer`.
std::string describe_type(const toml::node& node);
// A double as TOML writes it, always recognisable as a float: `2.0`, `0.25`, `inf`, `nan`.
std::string format_float(double value);
// A double as short as it reads exactly: `2`, `0.25` (for ranges: "between 1 and 10").
std::string format_number(double value);

}  // namespace vigil::config
