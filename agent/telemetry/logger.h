#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "agent/core/clock.h"

namespace vigil::telemetry {

enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat : std::uint8_t { kText, kJson };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::optional<LogFormat> parse_log_format(std::string_view name);
std::string_view to_string(LogLevel level);

// The agent's own log: leveled, text or JSON lines, to stderr by default.
// Text:  2026-11-21T19:57:50.123Z WARN  exporter/otlp: message
// JSON:  {"ts":"2026-11-21T19:57:50.123Z","level":"warn","component":"exporter/otlp","msg":"..."}
// Repeated warnings and errors are rate-limited per (component, format string): at most
// `burst` lines per `window`; the rest are counted and reported once the window passes
// ("... (suppressed N similar messages)").
// Thread-safe (thread-pool work may log). Never log secrets: callers pass redacted values.
class Logger {
 public:
  using Sink = std::function<void(std::string_view line)>;  // receives one line without '\n'

  struct Options {
    LogLevel level = LogLevel::kInfo;
    LogFormat format = LogFormat::kText;
    std::uint32_t burst = 10;
    core::Duration window = std::chrono::seconds(60);
  };

  // `sink` defaults to writing the line and '\n' to stderr.
  Logger(Options options, const core::Clock& clock, Sink sink = nullptr);

  void set_level(LogLevel level);
  void set_format(LogFormat format);
  bool enabled(LogLevel level) const { return level >= level_; }

  template <typename... Args>
  void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kDebug))
      write(LogLevel::kDebug, component, fmt::string_view(f),
            fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kInfo))
      write(LogLevel::kInfo, component, fmt::string_view(f),
            fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kWarn))
      write(LogLevel::kWarn, component, fmt::string_view(f),
            fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kError))
      write(LogLevel::kError, component, fmt::string_view(f),
            fmt::format(f, std::forward<Args>(args)...));
  }

  // Lines suppressed by rate limiting so far (for self-metrics).
  std::uint64_t suppressed_total() const;

 private:
  void write(LogLevel level, std::string_view component, fmt::string_view key, std::string message);

  struct RateState {
    core::MonoTime window_start{};
    std::uint32_t count = 0;
    std::uint64_t suppressed = 0;
  };

  LogLevel level_;
  LogFormat format_;
  std::uint32_t burst_;
  core::Duration window_;
  const core::Clock& clock_;
  Sink sink_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, RateState> rate_;
  std::uint64_t suppressed_total_ = 0;
};

}  // namespace vigil::telemetry
