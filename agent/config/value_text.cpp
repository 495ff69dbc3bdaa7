#include "agent/config/value_text.h"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "agent/config/quote.h"

namespace vigil::config {

namespace {

template <typename T>
std::string streamed(const T& value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  return fmt::format("{}", value);
}

std::string format_float(double value) {
  std::string text = format_number(value);
  if (text.find_first_of(".eni") == std::string::npos) text += ".0";
  return text;
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return quote(node.as_string()->get());
    case toml::node_type::integer:
      return fmt::format("{}", node.as_integer()->get());
    case toml::node_type::floating_point:
      return format_float(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::date:
      return "the date " + streamed(node.as_date()->get());
    case toml::node_type::time:
      return "the time " + streamed(node.as_time()->get());
    case toml::node_type::date_time:
      return "the date-time " + streamed(node.as_date_time()->get());
    case toml::node_type::table:
    case toml::node_type::array:
    case toml::node_type::none:
      break;
  }
  return describe_type(node);
}

std::string describe_type(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

}  // namespace vigil::config
