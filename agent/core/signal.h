#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::core {

// The three OpenTelemetry signals.
enum class Signal : std::uint8_t { kMetrics = 0, kLogs = 1, kTraces = 2 };

inline constexpr Signal kAllSignals[] = {Signal::kMetrics, Signal::kLogs, Signal::kTraces};

constexpr std::string_view to_string(Signal s) {
  switch (s) {
    case Signal::kMetrics:
      return "metrics";
    case Signal::kLogs:
      return "logs";
    case Signal::kTraces:
      return "traces";
  }
  return "unknown";
}

constexpr std::optional<Signal> parse_signal(std::string_view name) {
  if (name == "metrics") return Signal::kMetrics;
  if (name == "logs") return Signal::kLogs;
  if (name == "traces") return Signal::kTraces;
  return std::nullopt;
}

// A small set of signals (bit per signal).
class SignalSet {
 public:
  constexpr SignalSet() = default;
  static constexpr SignalSet all() {
    SignalSet s;
    s.bits_ = 0b111;
    return s;
  }
  constexpr void add(Signal s) { bits_ |= bit(s); }
  constexpr bool contains(Signal s) const { return (bits_ & bit(s)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const SignalSet&) const = default;

 private:
  static constexpr std::uint8_t bit(Signal s) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(s));
  }
  std::uint8_t bits_ = 0;
};

}  // namespace vigil::core
