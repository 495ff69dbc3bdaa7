#include "agent/core/retry_policy.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <string_view>

namespace vigil::core {

Duration RetryPolicy::backoff_ceiling(std::uint32_t attempt) const {
  const Duration cap = std::max(config_.max_interval, Duration::zero());
  // In double: initial * multiplier^n overflows any integer long before n gets large, and
  // pow() saturates to infinity instead of wrapping.
  const double ceiling = static_cast<double>(config_.initial_interval.count()) *
                         std::pow(config_.multiplier, static_cast<double>(attempt));
  if (!(ceiling < static_cast<double>(cap.count()))) return cap;  // also catches inf and NaN
  if (ceiling <= 0) return Duration::zero();
  return Duration(static_cast<Duration::rep>(ceiling));
}

Duration RetryPolicy::delay(std::uint32_t attempt, std::optional<Duration> retry_after,
                            Random& random) const {
  if (retry_after.has_value()) {
    return std::clamp(*retry_after, Duration::zero(), Duration(kMaxRetryAfter));
  }
  // Full jitter: spreads a fleet of agents that failed together across the whole window.
  const double ceiling = static_cast<double>(backoff_ceiling(attempt).count());
  const double u = std::clamp(random.uniform01(), 0.0, 1.0);
  return Duration(static_cast<Duration::rep>(std::llround(u * ceiling)));
}

bool RetryPolicy::exhausted(Duration elapsed) const {
  if (config_.max_elapsed_time <= Duration::zero()) return false;
  return elapsed >= config_.max_elapsed_time;
}

namespace {

// Far beyond any sensible wait, and small enough that nanoseconds fit in 64 bits.
constexpr std::int64_t kMaxDelaySeconds = 1'000'000'000;

constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the value; HTTP-dates are case-sensitive and fixed-width (RFC 9110 5.6.7), so
// parsing is exact matching, independent of the process locale and time zone.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool literal(std::string_view s) {
    if (!text_.starts_with(s)) return false;
    text_.remove_prefix(s.size());
    return true;
  }
  // Exactly `width` digits.
  bool number(int width, int& out) {
    if (text_.size() < static_cast<std::size_t>(width)) return false;
    int value = 0;
    for (int i = 0; i < width; ++i) {
      if (!is_digit(text_[i])) return false;
      value = value * 10 + (text_[i] - '0');
    }
    text_.remove_prefix(width);
    out = value;
    return true;
  }
  // One of `names`; returns its index.
  template <std::size_t N>
  bool name(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool done() const { return text_.empty(); }

 private:
  std::string_view text_;
};

struct DateParts {
  int year = 0;
  int month = 0;  // 0-based
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool time_of_day(Cursor& c, DateParts& d) {
  return c.number(2, d.hour) && c.literal(":") && c.number(2, d.minute) && c.literal(":") &&
         c.number(2, d.second);
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
bool parse_imf_fixdate(std::string_view text, DateParts& d) {
  Cursor c(text);
  int weekday = 0;
  return c.name(kDayNames, weekday) && c.literal(", ") && c.number(2, d.day) && c.literal(" ") &&
         c.name(kMonthNames, d.month) && c.literal(" ") && c.number(4, d.year) && c.literal(" ") &&
         time_of_day(c, d) && c.literal(" GMT") && c.done();
}

// Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
bool parse_rfc850(std::string_view text, std::int64_t now_year, DateParts& d) {
  Cursor c(text);
  int weekday = 0;
  int yy = 0;
  if (!(c.name(kLongDayNames, weekday) && c.literal(", ") && c.number(2, d.day) && c.literal("-") &&
        c.name(kMonthNames, d.month) && c.literal("-") && c.number(2, yy) && c.literal(" ") &&
        time_of_day(c, d) && c.literal(" GMT") && c.done())) {
    return false;
  }
  // RFC 9110 5.6.7: a two-digit year more than 50 years in the future means the most recent
  // past year with those digits.
  std::int64_t year = now_year - now_year % 100 + yy;
  if (year > now_year + 50) year -= 100;
  d.year = static_cast<int>(year);
  return true;
}

// asctime: "Sun Nov  6 08:49:37 1994" (the day is space-padded).
bool parse_asctime(std::string_view text, DateParts& d) {
  Cursor c(text);
  int weekday = 0;
  if (!(c.name(kDayNames, weekday) && c.literal(" ") && c.name(kMonthNames, d.month) &&
        c.literal(" "))) {
    return false;
  }
  if (c.literal(" ")) {
    if (!c.number(1, d.day)) return false;
  } else if (!c.number(2, d.day)) {
    return false;
  }
  return c.literal(" ") && time_of_day(c, d) && c.literal(" ") && c.number(4, d.year) && c.done();
}

std::optional<std::int64_t> to_unix_seconds(const DateParts& d) {
  using namespace std::chrono;
  const year_month_day date{year{d.year}, month{static_cast<unsigned>(d.month + 1)},
                            day{static_cast<unsigned>(d.day)}};
  // Second 60 is a leap second (RFC 9110 allows it); it lands on the next second.
  if (!date.ok() || d.hour > 23 || d.minute > 59 || d.second > 60) return std::nullopt;
  const sys_days days{date};
  return days.time_since_epoch().count() * 86400LL + d.hour * 3600LL + d.minute * 60LL + d.second;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Duration> parse_retry_after(std::string_view value, std::int64_t now_unix_nanos) {
  value = trim(value);
  if (value.empty()) return std::nullopt;

  if (std::all_of(value.begin(), value.end(), is_digit)) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds >= kMaxDelaySeconds) {
        seconds = kMaxDelaySeconds;
        break;
      }
    }
    return std::chrono::seconds(seconds);
  }

  using namespace std::chrono;
  const auto now = sys_time<nanoseconds>(nanoseconds(now_unix_nanos));
  const year_month_day today{floor<days>(now)};
  DateParts parts;
  if (!parse_imf_fixdate(value, parts) &&
      !parse_rfc850(value, static_cast<int>(today.year()), parts) && !parse_asctime(value, parts)) {
    return std::nullopt;
  }
  const std::optional<std::int64_t> at = to_unix_seconds(parts);
  if (!at) return std::nullopt;
  const std::int64_t now_seconds = floor<seconds>(now).time_since_epoch().count();
  const std::int64_t wait_seconds = *at - now_seconds;
  if (wait_seconds <= 0) return Duration::zero();  // the date has passed
  if (wait_seconds > kMaxDelaySeconds) return seconds(kMaxDelaySeconds);
  return seconds(wait_seconds) - (now - floor<seconds>(now));
}

}  // namespace vigil::core
