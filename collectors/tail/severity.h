#pragma once

// Log levels to OTLP SeverityNumber (logs data model: TRACE=1, DEBUG=5, INFO=9, WARN=13,
// ERROR=17, FATAL=21; the numbers in between are finer grades of the same level).
//
//   severity_from_word("Warning")   -> 13          (case-insensitive, the whole text)
//   find_severity_word("2024-05-01 12:00:00 [ERROR] disk full") -> {17, "ERROR"}
//
// Words (case-insensitive):
//   TRACE 1; DEBUG 5; INFO 9; NOTICE 10 (INFO2); WARN, WARNING 13; ERROR, ERR 17;
//   CRITICAL, CRIT 18 (ERROR2); ALERT 19 (ERROR3); FATAL, PANIC 21; EMERG, EMERGENCY 22 (FATAL2).
// NOTICE, CRIT, ALERT and EMERG follow the OpenTelemetry Collector's syslog mapping.
// A numeric level (pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal) maps
// through severity_from_number.

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::collectors::tail {

struct Severity {
  std::int32_t number = 0;  // OTLP SeverityNumber; 0 = unspecified
  std::string_view text;    // the level as written in the source
  bool operator==(const Severity&) const = default;
};

// The SeverityNumber of a level word (the whole of `word`, case-insensitive); 0 if unknown.
std::int32_t severity_from_word(std::string_view word);

// pino/bunyan numeric levels (10, 20, 30, 40, 50, 60); 0 for any other number.
std::int32_t severity_from_number(std::int64_t level);

// The first level word in `text` that stands as a whole word: bounded on both sides by the
// text's ends or by a byte that is neither an ASCII letter, digit nor '_' ("[WARN]", "level=info"
// and "ERROR:" qualify; "errors", "INFORMATION" and "debug_mode" do not). Only the first
// `scan_limit` bytes are examined: levels sit at the start of a line, and message text further on
// ("retrying after error") should not decide the record's severity.
inline constexpr std::size_t kSeverityScanLimit = 256;
std::optional<Severity> find_severity_word(std::string_view text,
                                           std::size_t scan_limit = kSeverityScanLimit);

}  // namespace vigil::collectors::tail
