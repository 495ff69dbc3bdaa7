#include "collectors/tail/timestamp_format.h"

#include <array>
#include <cmath>
#include <limits>

namespace vigil::collectors::tail {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads between min_digits and max_digits digits at text[pos]; advances pos.
std::optional<std::int64_t> read_number(std::string_view text, std::size_t& pos,
                                        std::size_t min_digits, std::size_t max_digits) {
  std::int64_t value = 0;
  std::size_t n = 0;
  while (pos < text.size() && n < max_digits && is_digit(text[pos])) {
    value = value * 10 + (text[pos] - '0');
    ++pos;
    ++n;
  }
  if (n < min_digits) return std::nullopt;
  return value;
}

// A fraction's digits at text[pos] (at least one) as nanoseconds; digits past the ninth are read
// and dropped.
std::optional<std::int64_t> read_fraction(std::string_view text, std::size_t& pos) {
  std::int64_t nanos = 0;
  std::int64_t weight = kNanosPerSecond / 10;
  const std::size_t start = pos;
  while (pos < text.size() && is_digit(text[pos])) {
    nanos += (text[pos] - '0') * weight;
    weight /= 10;
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return nanos;
}

bool consume(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

struct Fields {
  std::int64_t year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  std::int64_t nanos = 0;
  std::int64_t offset_seconds = 0;  // local time minus UTC
};

std::optional<std::int64_t> to_unix_nanos(const Fields& f) {
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > days_in_month(f.year, f.month) ||
      f.hour > 23 || f.minute > 59 || f.second > 60) {
    return std::nullopt;
  }
  // A leap second is folded into the second before it: the nanosecond count has no room for it.
  const unsigned second = f.second == 60 ? 59 : f.second;
  const std::int64_t days = days_from_civil(f.year, f.month, f.day);
  const std::int64_t seconds =
      days * 86400 + f.hour * 3600 + f.minute * 60 + second - f.offset_seconds;
  std::int64_t nanos = 0;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &nanos) ||
      __builtin_add_overflow(nanos, f.nanos, &nanos)) {
    return std::nullopt;
  }
  return nanos;
}

// "+hh:mm" (colon required when `colon_required`), "+hhmm", "+hh" after the sign.
bool read_offset(std::string_view text, std::size_t& pos, bool colon_required,
                 std::int64_t& offset_seconds) {
  if (pos >= text.size()) return false;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
    offset_seconds = 0;
    return true;
  }
  if (text[pos] != '+' && text[pos] != '-') return false;
  const std::int64_t sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  const auto hours = read_number(text, pos, 2, 2);
  if (!hours || *hours > 23) return false;
  std::int64_t minutes = 0;
  const bool colon = consume(text, pos, ':');
  if (colon_required && !colon) return false;
  if (colon || (pos < text.size() && is_digit(text[pos]))) {
    const auto m = read_number(text, pos, 2, 2);
    if (!m || *m > 59) return false;
    minutes = *m;
  }
  offset_seconds = sign * (*hours * 3600 + minutes * 60);
  return true;
}

constexpr std::array<std::string_view, 12> kMonths{"january",   "february", "march",    "april",
                                                   "may",       "june",     "july",     "august",
                                                   "september", "october",  "november", "december"};
constexpr std::array<std::string_view, 7> kWeekdays{"sunday",   "monday", "tuesday", "wednesday",
                                                    "thursday", "friday", "saturday"};

bool starts_with_folded(std::string_view text, std::size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(text[pos + i]) != word[i]) return false;
  }
  return true;
}

// Full name or its first three letters, case-insensitive; returns the 0-based index.
template <std::size_t N>
std::optional<unsigned> read_name(std::string_view text, std::size_t& pos,
                                  const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if (starts_with_folded(text, pos, names[i])) {
      pos += names[i].size();
      return static_cast<unsigned>(i);
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (starts_with_folded(text, pos, names[i].substr(0, 3))) {
      pos += 3;
      return static_cast<unsigned>(i);
    }
  }
  return std::nullopt;
}

// Integer and optional fractional part of a decimal in `unit_nanos` units ("1714564800.5").
std::optional<std::int64_t> parse_unix_text(std::string_view text, std::int64_t unit_nanos) {
  std::size_t pos = 0;
  const bool negative = consume(text, pos, '-');
  const std::size_t digits_start = pos;
  std::int64_t whole = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (__builtin_mul_overflow(whole, 10, &whole) ||
        __builtin_add_overflow(whole, text[pos] - '0', &whole)) {
      return std::nullopt;
    }
    ++pos;
  }
  if (pos == digits_start) return std::nullopt;
  std::int64_t nanos = 0;
  if (__builtin_mul_overflow(whole, unit_nanos, &nanos)) return std::nullopt;
  if (consume(text, pos, '.')) {
    std::int64_t weight = unit_nanos / 10;
    const std::size_t fraction_start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      nanos += (text[pos] - '0') * weight;  // below one unit: cannot overflow past the check
      weight /= 10;
      ++pos;
    }
    if (pos == fraction_start) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return negative ? -nanos : nanos;
}

std::int64_t unit_of(TimestampFormat::Kind kind) {
  switch (kind) {
    case TimestampFormat::Kind::kUnixSeconds:
      return kNanosPerSecond;
    case TimestampFormat::Kind::kUnixMillis:
      return 1'000'000;
    case TimestampFormat::Kind::kUnixMicros:
      return 1'000;
    case TimestampFormat::Kind::kUnixNanos:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's algorithm (http://howardhinnant.github.io/date_algorithms.html).
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  Fields f;
  std::size_t pos = 0;
  const auto year = read_number(text, pos, 4, 4);
  if (!year || !consume(text, pos, '-')) return std::nullopt;
  const auto month = read_number(text, pos, 2, 2);
  if (!month || !consume(text, pos, '-')) return std::nullopt;
  const auto day = read_number(text, pos, 2, 2);
  if (!day || pos >= text.size()) return std::nullopt;
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
  ++pos;
  const auto hour = read_number(text, pos, 2, 2);
  if (!hour || !consume(text, pos, ':')) return std::nullopt;
  const auto minute = read_number(text, pos, 2, 2);
  if (!minute || !consume(text, pos, ':')) return std::nullopt;
  const auto second = read_number(text, pos, 2, 2);
  if (!second) return std::nullopt;
  if (consume(text, pos, '.')) {
    const auto fraction = read_fraction(text, pos);
    if (!fraction) return std::nullopt;
    f.nanos = *fraction;
  }
  if (!read_offset(text, pos, /*colon_required=*/true, f.offset_seconds) || pos != text.size()) {
    return std::nullopt;
  }
  f.year = *year;
  f.month = static_cast<unsigned>(*month);
  f.day = static_cast<unsigned>(*day);
  f.hour = static_cast<unsigned>(*hour);
  f.minute = static_cast<unsigned>(*minute);
  f.second = static_cast<unsigned>(*second);
  return to_unix_nanos(f);
}

std::expected<TimestampFormat, std::string> TimestampFormat::parse(std::string_view spec) {
  if (spec == "rfc3339") return TimestampFormat(Kind::kRfc3339, {});
  if (spec == "unix") return TimestampFormat(Kind::kUnixSeconds, {});
  if (spec == "unix_ms") return TimestampFormat(Kind::kUnixMillis, {});
  if (spec == "unix_us") return TimestampFormat(Kind::kUnixMicros, {});
  if (spec == "unix_ns") return TimestampFormat(Kind::kUnixNanos, {});
  std::vector<Step> steps;
  bool has_year = false;
  bool has_hour12 = false;
  bool has_ampm = false;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == ' ') {
      if (steps.empty() || steps.back().conversion != ' ') steps.push_back({' ', 0});
      continue;
    }
    if (c != '%') {
      steps.push_back({0, c});
      continue;
    }
    if (++i == spec.size()) return std::unexpected("a lone '%' ends the pattern");
    const char conversion = spec[i];
    switch (conversion) {
      case '%':
        steps.push_back({0, '%'});
        break;
      case 'T':  // %H:%M:%S
        steps.insert(steps.end(), {{'H', 0}, {0, ':'}, {'M', 0}, {0, ':'}, {'S', 0}});
        break;
      case 'F':  // %Y-%m-%d
        steps.insert(steps.end(), {{'Y', 0}, {0, '-'}, {'m', 0}, {0, '-'}, {'d', 0}});
        has_year = true;
        break;
      case 'Y':
      case 'y':
      case 's':
        has_year = true;
        steps.push_back({conversion, 0});
        break;
      case 'I':
        has_hour12 = true;
        steps.push_back({conversion, 0});
        break;
      case 'p':
        has_ampm = true;
        steps.push_back({conversion, 0});
        break;
      case 'm':
      case 'd':
      case 'e':
      case 'b':
      case 'h':
      case 'B':
      case 'a':
      case 'A':
      case 'H':
      case 'M':
      case 'S':
      case 'f':
      case 'z':
      case 'j':
        steps.push_back({conversion, 0});
        break;
      default:
        return std::unexpected(std::string("unknown conversion %") + conversion);
    }
  }
  if (!has_year) {
    return std::unexpected("the pattern has no year (%Y, %y or %s)");
  }
  if (has_hour12 != has_ampm) return std::unexpected("%I and %p go together");
  return TimestampFormat(Kind::kPattern, std::move(steps));
}

std::optional<std::int64_t> TimestampFormat::parse_text(std::string_view text) const {
  switch (kind_) {
    case Kind::kRfc3339:
      return parse_rfc3339(text);
    case Kind::kPattern:
      return parse_pattern(text);
    default:
      return parse_unix_text(text, unit_of(kind_));
  }
}

std::optional<std::int64_t> TimestampFormat::from_integer(std::int64_t value) const {
  const std::int64_t unit = unit_of(kind_);
  std::int64_t nanos = 0;
  if (unit == 0 || __builtin_mul_overflow(value, unit, &nanos)) return std::nullopt;
  return nanos;
}

std::optional<std::int64_t> TimestampFormat::from_double(double value) const {
  const std::int64_t unit = unit_of(kind_);
  if (unit == 0 || !std::isfinite(value)) return std::nullopt;
  const double nanos = value * static_cast<double>(unit);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (nanos >= kLimit || nanos < -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(nanos));
}

std::optional<std::int64_t> TimestampFormat::parse_pattern(std::string_view text) const {
  Fields f;
  std::size_t pos = 0;
  std::optional<std::int64_t> epoch_seconds;
  std::optional<unsigned> day_of_year;
  bool have_month_day = false;
  bool pm = false;
  bool twelve_hour = false;
  for (const Step& step : steps_) {
    if (step.conversion == 0) {
      if (!consume(text, pos, step.literal)) return std::nullopt;
      continue;
    }
    if (step.conversion == ' ') {
      if (!consume(text, pos, ' ')) return std::nullopt;
      while (consume(text, pos, ' ')) {
      }
      continue;
    }
    std::optional<std::int64_t> number;
    switch (step.conversion) {
      case 'Y':
        if (!(number = read_number(text, pos, 4, 4))) return std::nullopt;
        f.year = *number;
        break;
      case 'y':
        if (!(number = read_number(text, pos, 2, 2))) return std::nullopt;
        f.year = *number < 69 ? 2000 + *number : 1900 + *number;
        break;
      case 'm':
        if (!(number = read_number(text, pos, 1, 2))) return std::nullopt;
        f.month = static_cast<unsigned>(*number);
        have_month_day = true;
        break;
      case 'e':
        while (consume(text, pos, ' ')) {
        }
        [[fallthrough]];
      case 'd':
        if (!(number = read_number(text, pos, 1, 2))) return std::nullopt;
        f.day = static_cast<unsigned>(*number);
        have_month_day = true;
        break;
      case 'b':
      case 'h':
      case 'B': {
        const auto month = read_name(text, pos, kMonths);
        if (!month) return std::nullopt;
        f.month = *month + 1;
        have_month_day = true;
        break;
      }
      case 'a':
      case 'A':
        if (!read_name(text, pos, kWeekdays)) return std::nullopt;
        break;
      case 'H':
      case 'I':
        if (!(number = read_number(text, pos, 1, 2))) return std::nullopt;
        if (step.conversion == 'I' && (*number < 1 || *number > 12)) return std::nullopt;
        f.hour = static_cast<unsigned>(*number);
        break;
      case 'p':
        twelve_hour = true;
        if (starts_with_folded(text, pos, "pm")) {
          pm = true;
        } else if (!starts_with_folded(text, pos, "am")) {
          return std::nullopt;
        }
        pos += 2;
        break;
      case 'M':
        if (!(number = read_number(text, pos, 1, 2))) return std::nullopt;
        f.minute = static_cast<unsigned>(*number);
        break;
      case 'S':
        if (!(number = read_number(text, pos, 1, 2))) return std::nullopt;
        f.second = static_cast<unsigned>(*number);
        break;
      case 'f':
        if (!(number = read_fraction(text, pos))) return std::nullopt;
        f.nanos = *number;
        break;
      case 'z':
        if (!read_offset(text, pos, /*colon_required=*/false, f.offset_seconds)) {
          return std::nullopt;
        }
        break;
      case 'j':
        if (!(number = read_number(text, pos, 1, 3)) || *number < 1 || *number > 366) {
          return std::nullopt;
        }
        day_of_year = static_cast<unsigned>(*number);
        break;
      case 's': {
        const bool negative = consume(text, pos, '-');
        if (!(number = read_number(text, pos, 1, 18))) return std::nullopt;
        epoch_seconds = negative ? -*number : *number;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (epoch_seconds) {
    std::int64_t nanos = 0;
    if (__builtin_mul_overflow(*epoch_seconds, kNanosPerSecond, &nanos) ||
        __builtin_add_overflow(nanos, f.nanos, &nanos)) {
      return std::nullopt;
    }
    return nanos;
  }
  // %I and %p come together (parse() checks): 12 AM is hour 0, 12 PM hour 12.
  if (twelve_hour && pm != (f.hour == 12)) f.hour = (f.hour + 12) % 24;
  if (day_of_year && !have_month_day) {
    if (*day_of_year > (is_leap(f.year) ? 366u : 365u)) return std::nullopt;
    const std::optional<std::int64_t> jan1 = to_unix_nanos(f);  // month and day are 1
    if (!jan1) return std::nullopt;
    std::int64_t nanos = 0;
    if (__builtin_add_overflow(*jan1, (*day_of_year - 1) * 86400 * kNanosPerSecond, &nanos)) {
      return std::nullopt;
    }
    return nanos;
  }
  return to_unix_nanos(f);
}

}  // namespace vigil::collectors::tail
