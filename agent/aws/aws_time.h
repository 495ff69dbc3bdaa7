#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::aws {

// ISO-8601 date-times as AWS writes expirations: "2024-01-01T00:00:00Z", with optional
// fractional seconds and a "Z" or "+HH:MM"/"-HH:MM" offset. nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// `time` in UTC, whole seconds, through strftime's `format` (at most 31 characters out).
std::string format_utc(std::chrono::system_clock::time_point time, const char* format);

// "2024-01-01T00:00:00Z" (UTC, whole seconds), for messages.
inline std::string format_iso8601(std::chrono::system_clock::time_point time) {
  return format_utc(time, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace vigil::aws
