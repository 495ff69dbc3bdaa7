#include "exporters/prometheus/prometheus_names.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace vigil::exporters::prometheus {

namespace {

using UnitPair = std::pair<std::string_view, std::string_view>;

// UCUM unit -> Prometheus word (opentelemetry-collector-contrib normalize_name.go, now
// prometheus/otlptranslator). "1" maps to nothing: gauges of unit 1 get "_ratio" instead.
constexpr std::array kUnitWords = {
    UnitPair{"d", "days"},
    UnitPair{"h", "hours"},
    UnitPair{"min", "minutes"},
    UnitPair{"s", "seconds"},
    UnitPair{"ms", "milliseconds"},
    UnitPair{"us", "microseconds"},
    UnitPair{"ns", "nanoseconds"},
    UnitPair{"By", "bytes"},
    UnitPair{"KiBy", "kibibytes"},
    UnitPair{"MiBy", "mebibytes"},
    UnitPair{"GiBy", "gibibytes"},
    UnitPair{"TiBy", "tibibytes"},
    UnitPair{"KBy", "kilobytes"},
    UnitPair{"MBy", "megabytes"},
    UnitPair{"GBy", "gigabytes"},
    UnitPair{"TBy", "terabytes"},
    UnitPair{"m", "meters"},
    UnitPair{"V", "volts"},
    UnitPair{"A", "amperes"},
    UnitPair{"J", "joules"},
    UnitPair{"W", "watts"},
    UnitPair{"g", "grams"},
    UnitPair{"Cel", "celsius"},
    UnitPair{"Hz", "hertz"},
    UnitPair{"1", ""},
    UnitPair{"%", "percent"},
};

// The denominator of "a/b" units, singular.
constexpr std::array kPerUnitWords = {
    UnitPair{"s", "second"}, UnitPair{"m", "minute"}, UnitPair{"h", "hour"}, UnitPair{"d", "day"},
    UnitPair{"w", "week"},   UnitPair{"mo", "month"}, UnitPair{"y", "year"},
};

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_token_char(char c) { return is_alnum(c) || c == ':'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <std::size_t N>
std::string_view lookup(const std::array<UnitPair, N>& table, std::string_view key, bool& found) {
  for (const auto& [from, to] : table) {
    if (from == key) {
      found = true;
      return to;
    }
  }
  found = false;
  return {};
}

// Runs of characters outside [a-zA-Z0-9:] become one "_"; no "_" leads or trails.
std::string clean_unit(std::string_view word) {
  std::string out;
  bool pending_sep = false;
  for (char c : word) {
    if (!is_name_token_char(c)) {
      pending_sep = true;
      continue;
    }
    if (pending_sep && !out.empty()) out += '_';
    pending_sep = false;
    out += c;
  }
  return out;
}

// The word for one side of a unit, "" for annotations ("{packet}") and empty units.
std::string unit_side_word(std::string_view side, bool per) {
  side = trim(side);
  if (side.empty() || side.find_first_of("{}") != std::string_view::npos) return {};
  bool found = false;
  const std::string_view word =
      per ? lookup(kPerUnitWords, side, found) : lookup(kUnitWords, side, found);
  return clean_unit(found ? word : side);
}

std::vector<std::string_view> name_tokens(std::string_view name) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < name.size()) {
    while (i < name.size() && !is_name_token_char(name[i])) ++i;
    const std::size_t start = i;
    while (i < name.size() && is_name_token_char(name[i])) ++i;
    if (i > start) tokens.push_back(name.substr(start, i - start));
  }
  return tokens;
}

bool contains(const std::vector<std::string_view>& tokens, std::string_view word) {
  for (auto t : tokens) {
    if (t == word) return true;
  }
  return false;
}

void remove_all(std::vector<std::string_view>& tokens, std::string_view word) {
  std::erase(tokens, word);
}

// Length of the UTF-8 sequence led by `c` (1 for ASCII and for stray bytes).
std::size_t utf8_length(unsigned char c) {
  if (c >= 0xF0 && c <= 0xF7) return 4;
  if (c >= 0xE0) return c <= 0xEF ? 3 : 1;
  if (c >= 0xC0) return 2;
  return 1;
}

}  // namespace

std::string unit_suffix(std::string_view ucum) {
  const auto slash = ucum.find('/');
  std::string main = unit_side_word(ucum.substr(0, slash), false);
  if (slash == std::string_view::npos) return main;
  const std::string per = unit_side_word(ucum.substr(slash + 1), true);
  if (per.empty()) return main;
  if (main.empty()) return "per_" + per;
  return main + "_per_" + per;
}

void standard_metric_name(std::string_view otel_name, std::string_view ucum, TypeSuffix suffix,
                          std::string& out, std::string& unit_word) {
  out.clear();
  unit_word.clear();
  std::vector<std::string_view> tokens = name_tokens(otel_name);
  if (tokens.empty()) return;

  const auto slash = ucum.find('/');
  const std::string main = unit_side_word(ucum.substr(0, slash), false);
  const std::string per = slash == std::string_view::npos
                              ? std::string()
                              : unit_side_word(ucum.substr(slash + 1), true);
  bool added_main = false;
  bool added_per = false;
  if (!main.empty() && !contains(tokens, main)) {
    tokens.emplace_back(main);
    added_main = true;
  }
  if (!per.empty() && !contains(tokens, per)) {
    tokens.emplace_back("per");
    tokens.emplace_back(per);
    added_per = true;
  }
  if (suffix == TypeSuffix::kTotal) {
    remove_all(tokens, "total");
    tokens.emplace_back("total");
  } else if (suffix == TypeSuffix::kRatio) {
    remove_all(tokens, "ratio");
    tokens.emplace_back("ratio");
  }
  if (is_digit(tokens.front().front())) out += '_';
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += '_';
    out += tokens[i];
  }

  // The unit word OpenMetrics may declare: only when the name (before "_total") ends with it.
  if (suffix == TypeSuffix::kRatio) {
    unit_word = "ratio";
  } else if (added_main || added_per) {
    unit_word = added_main ? main : std::string();
    if (added_per) unit_word += (unit_word.empty() ? "per_" : "_per_") + per;
  }
  if (!unit_word.empty()) {
    std::string_view base = out;
    if (suffix == TypeSuffix::kTotal) base.remove_suffix(std::string_view("_total").size());
    const std::string tail = "_" + unit_word;
    if (!(base.size() >= tail.size() && base.substr(base.size() - tail.size()) == tail)) {
      unit_word.clear();
    }
  }
}

void append_label_name(std::string_view key, std::string& out) {
  if (key.empty()) return;
  if (is_digit(key.front())) {
    out += "key_";
  } else if (key.front() == '_') {
    out += "key";
  }
  for (std::size_t i = 0; i < key.size();) {
    const char c = key[i];
    if (is_alnum(c) || c == '_') {
      out += c;
      ++i;
      continue;
    }
    out += '_';
    i += std::min(utf8_length(static_cast<unsigned char>(c)), key.size() - i);
  }
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '_' && c != ':') return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '_') return false;
  }
  return true;
}

void append_label_double(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 64> buf{};
  const double magnitude = std::fabs(value);
  // Plain decimals where they stay short; exponent form for tiny and huge values.
  const auto format = (magnitude == 0 || (magnitude >= 1e-6 && magnitude < 1e21))
                          ? std::chars_format::fixed
                          : std::chars_format::scientific;
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, format);
  if (ec != std::errc()) {
    out += "NaN";
    return;
  }
  out.append(buf.data(), end);
}

}  // namespace vigil::exporters::prometheus
