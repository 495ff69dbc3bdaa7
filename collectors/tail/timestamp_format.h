#pragma once

// Timestamps of parsed log fields to Unix nanoseconds (UTC).
//
//   auto format = TimestampFormat::parse("rfc3339");          // or "unix", "%d/%b/%Y:%H:%M:%S %z"
//   std::optional<std::int64_t> ns = format->parse_text("2024-05-01T12:00:00.5+02:00");
//
// Formats:
//   "rfc3339"  2024-05-01T12:00:00Z, with an optional fraction of 1 to 9 digits (more are read
//              and truncated to nanoseconds), "Z"/"z" or a "+hh:mm"/"-hh:mm" offset; "t" and a
//              space are accepted for "T" (RFC 3339 section 5.6 allows the space). A time without
//              an offset is an error: its zone is unknown.
//   "unix"     seconds since the epoch, integer or fractional ("1714564800.123456")
//   "unix_ms"  milliseconds, "unix_us" microseconds, "unix_ns" nanoseconds (integers; unix_ms and
//              unix_us may carry a fraction)
//   otherwise a strptime-like pattern; conversions:
//     %Y year (4 digits)  %y year 69-99 -> 19xx, 00-68 -> 20xx  %m month  %d day (1-2 digits)
//     %e day, space-padded  %b/%h month name (Jan, case-insensitive; full names too)
//     %a/%A weekday name (read and ignored)  %H hour  %I hour 1-12 with %p AM/PM  %M minute
//     %S second (60 allowed, as a leap second folded into 59)  %f fraction, 1-9 digits
//     (more are truncated)  %z offset "Z", "+hh:mm", "+hhmm" or "+hh"  %j day of the year
//     %s seconds since the epoch  %T = %H:%M:%S  %F = %Y-%m-%d  %% a literal '%'
//   A space in the pattern matches one or more spaces in the text; other characters match
//   themselves. Without %z the time is read as UTC. A pattern must fix the date: it needs a year
//   (%Y, %y or %s), else "parse" fails (a yearless syslog time would need a guess).
// Numbers given as typed JSON/logfmt values (not text) are accepted by the unix formats only.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::collectors::tail {

class TimestampFormat {
 public:
  enum class Kind : std::uint8_t {
    kRfc3339,
    kUnixSeconds,
    kUnixMillis,
    kUnixMicros,
    kUnixNanos,
    kPattern
  };

  // Error text says what is wrong with `spec` (unknown conversion, no year, ...).
  static std::expected<TimestampFormat, std::string> parse(std::string_view spec);

  Kind kind() const { return kind_; }

  // Nanoseconds since the Unix epoch; nullopt when `text` does not fit the format (or is out of
  // the range of a signed 64-bit nanosecond count: years 1678 to 2262).
  std::optional<std::int64_t> parse_text(std::string_view text) const;
  // A typed number (JSON 1714564800 or 1714564800.5) in a unix format; nullopt for kRfc3339 and
  // patterns, and for values out of range.
  std::optional<std::int64_t> from_integer(std::int64_t value) const;
  std::optional<std::int64_t> from_double(double value) const;

 private:
  // One step of a compiled pattern: a literal byte, a run of spaces, or a conversion.
  struct Step {
    char conversion = 0;  // 0: literal `literal`; ' ': one or more spaces; else the letter
    char literal = 0;
  };

  TimestampFormat(Kind kind, std::vector<Step> steps) : kind_(kind), steps_(std::move(steps)) {}
  std::optional<std::int64_t> parse_pattern(std::string_view text) const;

  Kind kind_ = Kind::kRfc3339;
  std::vector<Step> steps_;
};

// RFC 3339 as described above; shared by the "rfc3339" format and tests.
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12, day 1-31; not validated).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

}  // namespace vigil::collectors::tail
