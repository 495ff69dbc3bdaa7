#include "agent/aws/aws_time.h"

#include <ctime>

namespace vigil::aws {

namespace {

// Reads exactly `width` digits at `pos`.
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_at(std::string_view text, std::size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text) {
  using namespace std::chrono;
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !is_at(text, 4, '-') ||
      !is_at(text, 7, '-') || !(is_at(text, 10, 'T') || is_at(text, 10, 't')) ||
      !is_at(text, 13, ':') || !is_at(text, 16, ':')) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                            std::chrono::day{unsigned(*day)}};
  // Nanosecond time points end in 2262; AWS expirations are hours away.
  if (*year < 1970 || *year > 2200) return std::nullopt;
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (is_at(text, pos, '.')) {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  seconds offset{0};
  if (is_at(text, pos, 'Z') || is_at(text, pos, 'z')) {
    ++pos;
  } else if (is_at(text, pos, '+') || is_at(text, pos, '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    auto offset_hours = digits(text, pos + 1, 2);
    auto offset_minutes = digits(text, pos + 4, 2);
    if (!offset_hours || !offset_minutes || !is_at(text, pos + 3, ':') || *offset_hours > 23 ||
        *offset_minutes > 59) {
      return std::nullopt;
    }
    offset = sign * (hours(*offset_hours) + minutes(*offset_minutes));
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days(date) + hours(*hour) + minutes(*minute) + seconds(*second);
  return time_point_cast<system_clock::duration>(local - offset + fraction);
}

std::string format_utc(std::chrono::system_clock::time_point time, const char* format) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, format, &utc);
  return std::string(text, length);
}

}  // namespace vigil::aws
