#include "agent/config/units.h"

#include <array>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "agent/config/quote.h"

namespace vigil::config {

namespace {

// 128 bits hold any 64-bit integer part times the largest unit without overflow, so the
// range check is exact.
using Wide = unsigned __int128;

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

// Largest first: parse_duration requires terms in this order.
constexpr std::array<Unit, 6> kDurationUnits{{
    {"h", 3'600'000'000'000},
    {"m", 60'000'000'000},
    {"s", 1'000'000'000},
    {"ms", 1'000'000},
    {"us", 1'000},
    {"ns", 1},
}};
constexpr std::string_view kDurationUnitList = "ns, us, ms, s, m or h";

constexpr std::array<Unit, 12> kSizeUnits{{
    {"B", 1},
    {"KB", 1'000},
    {"kB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"TB", 1'000'000'000'000},
    {"PB", 1'000'000'000'000'000},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
    {"PiB", 1ull << 50},
}};
constexpr std::string_view kSizeUnitList = "B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB or PiB";

// More fraction digits than this cannot name a whole number of nanoseconds or bytes with our
// units, and 10^36 still fits in 128 bits.
constexpr int kMaxFractionDigits = 36;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_unit_char(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || byte >= 0x80;
}

Wide pow10(int exponent) {
  Wide result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

Wide gcd(Wide a, Wide b) {
  while (b != 0) {
    const Wide r = a % b;
    a = b;
    b = r;
  }
  return a;
}

// One <number><unit> term, scanned from text[pos].
struct Term {
  Wide integer = 0;
  bool integer_too_large = false;
  Wide fraction = 0;  // significant fraction digits, trailing zeros dropped
  int fraction_digits = 0;
  bool fraction_too_precise = false;
  std::string_view unit;
};

// Scans a term or returns the reason it is malformed.
std::optional<std::string> scan_term(std::string_view text, std::size_t& pos, Term& term) {
  const char first = text[pos];
  if (first == '-') return "negative values are not allowed";
  if (first == '+') return "a sign is not allowed";
  if (is_space(first)) return "spaces are not allowed";
  if (first == '.') return "expected a digit before \".\"";
  if (!is_digit(first)) {
    return fmt::format("expected a number at {}", quote(text.substr(pos)));
  }
  const std::size_t start = pos;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    if (term.integer > std::numeric_limits<std::uint64_t>::max()) {
      term.integer_too_large = true;
    } else {
      term.integer = term.integer * 10 + static_cast<unsigned>(text[pos] - '0');
    }
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (pos >= text.size() || !is_digit(text[pos])) return "expected a digit after \".\"";
    std::string_view digits;
    const std::size_t digits_start = pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    digits = text.substr(digits_start, pos - digits_start);
    while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
    if (static_cast<int>(digits.size()) > kMaxFractionDigits) {
      term.fraction_too_precise = true;
    } else {
      for (char c : digits) term.fraction = term.fraction * 10 + static_cast<unsigned>(c - '0');
      term.fraction_digits = static_cast<int>(digits.size());
    }
  }
  const std::size_t unit_start = pos;
  while (pos < text.size() && is_unit_char(text[pos])) ++pos;
  term.unit = text.substr(unit_start, pos - unit_start);
  if (term.unit.empty()) {
    if (pos >= text.size()) {
      return fmt::format("missing a unit after {}", quote(text.substr(start, pos - start)));
    }
    if (is_space(text[pos])) return "spaces are not allowed";
    return fmt::format("unexpected {} after {}", quote(text.substr(pos, 1)),
                       quote(text.substr(start, pos - start)));
  }
  return std::nullopt;
}

// term * factor, exactly, or nullopt when the fraction leaves a part smaller than one unit of
// the result (nanosecond, byte). Sets `too_large` past 64 bits.
std::optional<Wide> term_value(const Term& term, std::uint64_t factor, bool& too_large) {
  if (term.fraction_too_precise) return std::nullopt;
  if (term.integer_too_large || term.integer > std::numeric_limits<std::uint64_t>::max()) {
    too_large = true;
    return Wide{0};
  }
  Wide value = term.integer * factor;
  if (term.fraction != 0) {
    const Wide denominator = pow10(term.fraction_digits);
    const Wide common = gcd(term.fraction, denominator);
    const Wide reduced_denominator = denominator / common;
    if (factor % reduced_denominator != 0) return std::nullopt;
    value += (term.fraction / common) * (factor / reduced_denominator);
  }
  return value;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string size_unit_error(std::string_view unit) {
  if (unit.size() == 1 && std::string_view("KkMGTP").find(unit[0]) != std::string_view::npos) {
    const char prefix = unit[0] == 'k' ? 'K' : unit[0];
    std::uint64_t decimal = 1;
    std::uint64_t binary = 1;
    for (char p : std::string_view("KMGTP")) {
      decimal *= 1000;
      binary *= 1024;
      if (p == prefix) break;
    }
    return fmt::format("ambiguous unit {}: write \"{}iB\" ({} bytes) or \"{}B\" ({} bytes)",
                       quote(unit), prefix, binary, prefix, decimal);
  }
  const std::string lower = lowercase(unit);
  for (const auto& u : kSizeUnits) {
    if (lowercase(u.name) == lower) {
      return fmt::format("unknown unit {}; did you mean {}?", quote(unit), quote(u.name));
    }
  }
  return fmt::format("unknown unit {} (expected {})", quote(unit), kSizeUnitList);
}

}  // namespace

core::Result<core::Duration> parse_duration(std::string_view text) {
  const auto fail = [&](std::string_view reason) {
    return core::make_error(fmt::format("invalid duration {}: {}", quote(text), reason));
  };
  if (text.empty()) return fail("empty; write a number and a unit, e.g. \"10s\"");
  constexpr auto kMax = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
  Wide total = 0;
  std::size_t previous_unit = kDurationUnits.size();
  std::size_t pos = 0;
  while (pos < text.size()) {
    Term term;
    if (auto reason = scan_term(text, pos, term)) {
      if (reason->starts_with("missing a unit")) {
        return fail(
            fmt::format("{} ({}), e.g. \"{}s\"", *reason, kDurationUnitList, text.substr(0, pos)));
      }
      return fail(*reason);
    }
    std::size_t index = 0;
    while (index < kDurationUnits.size() && kDurationUnits[index].name != term.unit) ++index;
    if (index == kDurationUnits.size()) {
      return fail(
          fmt::format("unknown unit {} (expected {})", quote(term.unit), kDurationUnitList));
    }
    if (previous_unit != kDurationUnits.size() && index <= previous_unit) {
      if (index == previous_unit) {
        return fail(fmt::format("unit {} appears twice", quote(term.unit)));
      }
      return fail(fmt::format(
          "units out of order: {} after {} (write the largest unit first, e.g. \"1m30s\")",
          quote(term.unit), quote(kDurationUnits[previous_unit].name)));
    }
    previous_unit = index;
    bool too_large = false;
    const auto value = term_value(term, kDurationUnits[index].factor, too_large);
    if (!value) return fail("not a whole number of nanoseconds");
    total += *value;
    if (too_large || total > kMax) {
      return fail(fmt::format("too large (at most {})",
                              format_duration(core::Duration(core::Duration::max()))));
    }
  }
  return core::Duration(static_cast<std::int64_t>(total));
}

core::Result<std::uint64_t> parse_size(std::string_view text) {
  const auto fail = [&](std::string_view reason) {
    return core::make_error(fmt::format("invalid size {}: {}", quote(text), reason));
  };
  if (text.empty()) return fail("empty; write a number and a unit, e.g. \"64MiB\"");
  std::size_t pos = 0;
  Term term;
  if (auto reason = scan_term(text, pos, term)) {
    if (reason->starts_with("missing a unit")) {
      return fail(
          fmt::format("{} ({}), e.g. \"{}MiB\" or \"{}B\"; a TOML integer (unquoted) "
                      "also means bytes",
                      *reason, kSizeUnitList, text, text));
    }
    return fail(*reason);
  }
  const Unit* unit = nullptr;
  for (const auto& u : kSizeUnits) {
    if (u.name == term.unit) unit = &u;
  }
  if (unit == nullptr) return fail(size_unit_error(term.unit));
  if (pos < text.size()) {
    return fail(fmt::format("unexpected {} after the unit (a size is one number and one unit)",
                            quote(text.substr(pos))));
  }
  bool too_large = false;
  const auto value = term_value(term, unit->factor, too_large);
  if (!value) return fail("not a whole number of bytes");
  if (too_large || *value > std::numeric_limits<std::uint64_t>::max()) {
    return fail(
        fmt::format("too large (at most {} bytes)", std::numeric_limits<std::uint64_t>::max()));
  }
  return static_cast<std::uint64_t>(*value);
}

std::string format_duration(core::Duration duration) {
  const std::int64_t count = duration.count();
  std::string out;
  // The magnitude of INT64_MIN does not fit in int64_t; unsigned arithmetic handles it.
  std::uint64_t rest = static_cast<std::uint64_t>(count);
  if (count < 0) {
    out.push_back('-');
    rest = 0 - rest;
  }
  if (rest == 0) return "0s";
  for (const auto& unit : kDurationUnits) {
    const std::uint64_t part = rest / unit.factor;
    if (part != 0) {
      out += fmt::format("{}{}", part, unit.name);
      rest -= part * unit.factor;
    }
  }
  return out;
}

std::string format_size(std::uint64_t bytes) {
  const Unit* best = &kSizeUnits[0];
  std::uint64_t best_count = bytes;
  // Binary units are listed after decimal ones; iterating from the end prefers them on ties.
  for (auto it = kSizeUnits.rbegin(); it != kSizeUnits.rend(); ++it) {
    if (it->name == "kB") continue;
    if (bytes % it->factor == 0 && bytes / it->factor < best_count) {
      best = &*it;
      best_count = bytes / it->factor;
    }
  }
  return fmt::format("{}{}", best_count, best->name);
}

}  // namespace vigil::config
