#include "agent/telemetry/logger.h"

#include <cstdio>
#include <ctime>

namespace vigil::telemetry {

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

std::string iso8601(std::int64_t unix_nanos) {
  std::time_t secs = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  int millis = static_cast<int>((unix_nanos / 1'000'000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, millis);
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Logger::Logger(Options options, const core::Clock& clock, Sink sink)
    : level_(options.level),
      format_(options.format),
      burst_(options.burst),
      window_(options.window),
      clock_(clock),
      sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](std::string_view line) {
      std::string buf(line);
      buf.push_back('\n');
      std::fwrite(buf.data(), 1, buf.size(), stderr);
    };
  }
}

void Logger::set_level(LogLevel level) { level_ = level; }
void Logger::set_format(LogFormat format) {
  std::lock_guard lock(mutex_);
  format_ = format;
}

std::uint64_t Logger::suppressed_total() const {
  std::lock_guard lock(mutex_);
  return suppressed_total_;
}

void Logger::write(LogLevel level, std::string_view component, fmt::string_view key,
                   std::string message) {
  std::lock_guard lock(mutex_);
  if (level >= LogLevel::kWarn && burst_ > 0) {
    std::string rate_key =
        fmt::format("{}\x1f{}", component, std::string_view(key.data(), key.size()));
    auto& st = rate_[rate_key];
    auto now = clock_.monotonic();
    if (st.count == 0 || now - st.window_start >= window_) {
      if (st.suppressed > 0) {
        message += fmt::format(
            " (suppressed {} similar messages in the last {}s)", st.suppressed,
            std::chrono::duration_cast<std::chrono::seconds>(now - st.window_start).count());
      }
      st.window_start = now;
      st.count = 0;
      st.suppressed = 0;
    }
    if (st.count >= burst_) {
      ++st.suppressed;
      ++suppressed_total_;
      return;
    }
    ++st.count;
  }
  std::string line;
  std::string ts = iso8601(clock_.unix_nanos());
  if (format_ == LogFormat::kJson) {
    line = fmt::format(R"({{"ts":"{}","level":"{}","component":)", ts, to_string(level));
    append_json_string(line, component);
    line += ",\"msg\":";
    append_json_string(line, message);
    line += '}';
  } else {
    std::string upper(to_string(level));
    for (auto& c : upper) c = static_cast<char>(c - 'a' + 'A');
    line = fmt::format("{} {:<5} {}: {}", ts, upper, component, message);
  }
  sink_(line);
}

}  // namespace vigil::telemetry
