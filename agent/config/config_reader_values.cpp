// ConfigReader's typed getters. Each records the value in force in the effective table and
// returns the default after an error, so one pass reports every problem.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "agent/config/config_reader.h"
#include "agent/config/quote.h"
#include "agent/config/units.h"
#include "agent/config/value_text.h"
#include "agent/net/socket_address.h"

namespace vigil::config {

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// "must be between 1 and 64, got 100"; a bound equal to the type's own limit is not worth
// stating ("must be at least 64KiB, got 1KiB").
std::string range_message(const std::string& min, bool min_is_limit, const std::string& max,
                          bool max_is_limit, const std::string& got) {
  if (min_is_limit) return fmt::format("must be at most {}, got {}", max, got);
  if (max_is_limit) return fmt::format("must be at least {}, got {}", min, got);
  return fmt::format("must be between {} and {}, got {}", min, max, got);
}

std::string quoted_list(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += quote(w);
  }
  return out;
}

}  // namespace

std::string ConfigReader::string(std::string_view key, std::string_view default_value) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* value = node->as_string()) {
      record_effective(key, toml::value<std::string>(value->get()), node);
      return value->get();
    }
    error_at(node, full_key(key), "expected a string, got " + describe(*node));
  }
  record_effective(key, toml::value<std::string>(std::string(default_value)), nullptr);
  return std::string(default_value);
}

std::string ConfigReader::required_string(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) {
    error_at(nullptr, full_key(key), "missing required key (a string)");
  } else if (const auto* value = node->as_string()) {
    if (value->get().empty()) error_at(node, full_key(key), "must not be empty");
    record_effective(key, toml::value<std::string>(value->get()), node);
    return value->get();
  } else {
    error_at(node, full_key(key), "expected a string, got " + describe(*node));
  }
  record_effective(key, toml::value<std::string>(std::string()), nullptr);
  return {};
}

std::string ConfigReader::secret_string(std::string_view key, std::string_view default_value) {
  const toml::node* node = get(key);
  std::string result(default_value);
  if (node != nullptr) {
    if (const auto* value = node->as_string()) {
      result = value->get();
    } else {
      error_at(node, full_key(key), "expected a string, got " + describe_type(*node));
    }
  }
  // An empty secret reveals nothing, and showing it tells the reader none is configured.
  effective_.insert_or_assign(key, result.empty() ? std::string() : std::string(kRedacted));
  return result;
}

bool ConfigReader::boolean(std::string_view key, bool default_value) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* value = node->as_boolean()) {
      record_effective(key, toml::value<bool>(value->get()), node);
      return value->get();
    }
    error_at(node, full_key(key), "expected a boolean (true or false), got " + describe(*node));
  }
  record_effective(key, toml::value<bool>(default_value), nullptr);
  return default_value;
}

std::int64_t ConfigReader::integer(std::string_view key, std::int64_t default_value,
                                   std::int64_t min, std::int64_t max) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* value = node->as_integer()) {
      const std::int64_t v = value->get();
      if (v >= min && v <= max) {
        record_effective(key, toml::value<std::int64_t>(v), node);
        return v;
      }
      error_at(
          node, full_key(key),
          range_message(fmt::format("{}", min), min == std::numeric_limits<std::int64_t>::min(),
                        fmt::format("{}", max), max == std::numeric_limits<std::int64_t>::max(),
                        describe(*node)));
    } else {
      error_at(node, full_key(key), "expected an integer, got " + describe(*node));
    }
  }
  record_effective(key, toml::value<std::int64_t>(default_value), nullptr);
  return default_value;
}

double ConfigReader::number(std::string_view key, double default_value, double min, double max) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    std::optional<double> v;
    if (const auto* f = node->as_floating_point()) v = f->get();
    if (const auto* i = node->as_integer()) v = static_cast<double>(i->get());
    if (!v) {
      error_at(node, full_key(key), "expected a number, got " + describe(*node));
    } else if (std::isnan(*v) || *v < min || *v > max) {
      error_at(node, full_key(key),
               range_message(format_number(min), std::isinf(min) && min < 0, format_number(max),
                             std::isinf(max) && max > 0, describe(*node)));
    } else {
      record_effective(key, toml::value<double>(*v), node);
      return *v;
    }
  }
  record_effective(key, toml::value<double>(default_value), nullptr);
  return default_value;
}

core::Duration ConfigReader::duration(std::string_view key, core::Duration default_value,
                                      core::Duration min, core::Duration max) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* text = node->as_string()) {
      auto parsed = parse_duration(text->get());
      if (!parsed) {
        error_at(node, full_key(key), parsed.error().message);
      } else if (*parsed < min || *parsed > max) {
        error_at(
            node, full_key(key),
            range_message(format_duration(min), min == core::Duration::zero(), format_duration(max),
                          max == std::chrono::hours(24 * 365), format_duration(*parsed)));
      } else {
        record_effective(key, toml::value<std::string>(format_duration(*parsed)), node);
        return *parsed;
      }
    } else {
      error_at(node, full_key(key), "expected a duration like \"10s\", got " + describe(*node));
    }
  }
  record_effective(key, toml::value<std::string>(format_duration(default_value)), nullptr);
  return default_value;
}

std::uint64_t ConfigReader::size(std::string_view key, std::uint64_t default_value,
                                 std::uint64_t min, std::uint64_t max) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    std::optional<std::uint64_t> bytes;
    if (const auto* text = node->as_string()) {
      auto parsed = parse_size(text->get());
      if (parsed) {
        bytes = *parsed;
      } else {
        error_at(node, full_key(key), parsed.error().message);
      }
    } else if (const auto* integer = node->as_integer()) {
      if (integer->get() < 0) {
        error_at(node, full_key(key), "must not be negative, got " + describe(*node));
      } else {
        bytes = static_cast<std::uint64_t>(integer->get());
      }
    } else {
      error_at(node, full_key(key),
               "expected a size like \"64MiB\" or an integer of bytes, got " + describe(*node));
    }
    if (bytes && (*bytes < min || *bytes > max)) {
      error_at(
          node, full_key(key),
          range_message(format_size(min), min == 0, format_size(max),
                        max == std::numeric_limits<std::uint64_t>::max(), format_size(*bytes)));
    } else if (bytes) {
      record_effective(key, toml::value<std::string>(format_size(*bytes)), node);
      return *bytes;
    }
  }
  record_effective(key, toml::value<std::string>(format_size(default_value)), nullptr);
  return default_value;
}

std::string ConfigReader::one_of(std::string_view key, std::string_view default_value,
                                 std::initializer_list<std::string_view> allowed) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    const auto* value = node->as_string();
    if (value != nullptr &&
        std::find(allowed.begin(), allowed.end(), value->get()) != allowed.end()) {
      record_effective(key, toml::value<std::string>(value->get()), node);
      return value->get();
    }
    std::string message =
        fmt::format("expected one of {}, got {}", quoted_list(allowed), describe(*node));
    if (value != nullptr) {
      const std::string suggestion =
          did_you_mean(value->get(), std::vector<std::string>(allowed.begin(), allowed.end()));
      if (!suggestion.empty()) message += fmt::format("; did you mean {}?", quote(suggestion));
    }
    error_at(node, full_key(key), message);
  }
  record_effective(key, toml::value<std::string>(std::string(default_value)), nullptr);
  return std::string(default_value);
}

std::vector<std::string> ConfigReader::string_list(std::string_view key,
                                                   std::vector<std::string> default_value) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* array = node->as_array()) {
      std::vector<std::string> result;
      toml::array effective;
      bool ok = true;
      for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (const auto* value = element.as_string()) {
          result.push_back(value->get());
          effective.push_back(came_from_env(element) ? std::string(kRedacted) : value->get());
        } else {
          ok = false;
          error_at(&element, fmt::format("{}[{}]", full_key(key), i),
                   "expected a string, got " + describe(element));
        }
      }
      if (ok) {
        effective_.insert_or_assign(key, std::move(effective));
        return result;
      }
    } else {
      error_at(node, full_key(key), "expected an array of strings, got " + describe(*node));
    }
  }
  toml::array effective;
  for (const auto& v : default_value) effective.push_back(v);
  effective_.insert_or_assign(key, std::move(effective));
  return default_value;
}

std::map<std::string, std::string> ConfigReader::string_map(
    std::string_view key, std::initializer_list<std::string_view> secret_keys) {
  std::map<std::string, std::string> result;
  toml::table effective;
  const toml::node* node = get(key);
  const toml::table* table = node != nullptr ? node->as_table() : nullptr;
  if (node != nullptr && table == nullptr) {
    error_at(node, full_key(key), "expected a table of strings, got " + describe(*node));
  }
  if (table != nullptr) {
    for (const auto& [name, value] : *table) {
      const std::string lower = lowercase(name.str());
      const bool secret = std::any_of(secret_keys.begin(), secret_keys.end(),
                                      [&](std::string_view s) { return lowercase(s) == lower; });
      const std::string path = full_key(key) + "." + key_text(name.str());
      const auto* text = value.as_string();
      if (text == nullptr) {
        add_error(SourcePosition{value.source().begin.line, value.source().begin.column}, path,
                  "expected a string, got " + (secret ? describe_type(value) : describe(value)));
        continue;
      }
      result.emplace(std::string(name.str()), text->get());
      const bool hide = secret || came_from_env(value);
      effective.insert_or_assign(name.str(), hide ? std::string(kRedacted) : text->get());
    }
  }
  effective_.insert_or_assign(key, std::move(effective));
  return result;
}

core::SignalSet ConfigReader::signals(std::string_view key, core::SignalSet default_value) {
  const toml::node* node = get(key);
  core::SignalSet result = default_value;
  if (node != nullptr) {
    const auto* array = node->as_array();
    if (array == nullptr) {
      error_at(node, full_key(key),
               "expected an array of signals like [\"metrics\", \"logs\"], got " + describe(*node));
    } else if (array->empty()) {
      error_at(node, full_key(key), "must list at least one of \"metrics\", \"logs\", \"traces\"");
    } else {
      core::SignalSet parsed;
      bool ok = true;
      const std::vector<std::string> names{"metrics", "logs", "traces"};
      for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string path = fmt::format("{}[{}]", full_key(key), i);
        const auto* text = element.as_string();
        const auto signal = text != nullptr ? core::parse_signal(text->get()) : std::nullopt;
        std::string message;
        if (text == nullptr) {
          message = "expected a signal name (a string), got " + describe(element);
        } else if (!signal) {
          const std::string suggestion = did_you_mean(text->get(), names);
          message = suggestion.empty() ? fmt::format(
                                             "unknown signal {} (expected \"metrics\", \"logs\" or "
                                             "\"traces\")",
                                             quote(text->get()))
                                       : fmt::format("unknown signal {}; did you mean {}?",
                                                     quote(text->get()), quote(suggestion));
        } else if (parsed.contains(*signal)) {
          message = fmt::format("{} is listed twice", quote(text->get()));
        } else {
          parsed.add(*signal);
          continue;
        }
        ok = false;
        error_at(&element, path, message);
      }
      if (ok) result = parsed;
    }
  }
  toml::array effective;
  for (auto s : core::kAllSignals) {
    if (result.contains(s)) effective.push_back(std::string(core::to_string(s)));
  }
  effective_.insert_or_assign(key, std::move(effective));
  return result;
}

std::string ConfigReader::listen_address(std::string_view key, std::string_view default_value) {
  const toml::node* node = get(key);
  if (node != nullptr) {
    if (const auto* text = node->as_string()) {
      if (auto parsed = net::parse_listen_address(text->get()); parsed) {
        record_effective(key, toml::value<std::string>(text->get()), node);
        return text->get();
      } else {
        // The message quotes the value and says what is wrong with it.
        error_at(node, full_key(key), parsed.error().message);
      }
    } else {
      error_at(node, full_key(key),
               "expected an address like \"127.0.0.1:4318\", got " + describe(*node));
    }
  }
  record_effective(key, toml::value<std::string>(std::string(default_value)), nullptr);
  return std::string(default_value);
}

}  // namespace vigil::config
