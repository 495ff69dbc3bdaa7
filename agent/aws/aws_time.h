#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::aws {

// ISO-8601 date-times as AWS writes expirations: "2024-01-01T00:00:00Z", with optional
// fractional seconds and a "Z" or "+HH:MM"/"-HH:MM" offset. nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// "2024-01-01T00:00:00Z" (UTC, whole seconds), for messages.
std::string format_iso8601(std::chrono::system_clock::time_point time);

}  // namespace vigil::aws
