#include "collectors/tail/multiline_config.h"

#include <limits>
#include <memory>
#include <utility>

#include "agent/config/config_reader.h"
#include "collectors/tail/pcre2_regex.h"

namespace vigil::collectors::tail {
namespace {

constexpr std::int64_t kMaxMaxLines = 1'000'000;
// An event must hold at least a modest line; smaller limits would split ordinary lines.
constexpr std::uint64_t kMinMaxBytes = 64;

// The pattern at `key` ("" when absent or in error); its compiled form goes to `compiled`.
std::string read_pattern(config::ConfigReader& reader, std::string_view key,
                         std::shared_ptr<const Pcre2Regex>& compiled) {
  if (!reader.has(key)) return {};
  std::string pattern = reader.string(key, "");
  if (pattern.empty()) {
    reader.error(key, "must not be empty");
    return {};
  }
  auto regex = Pcre2Regex::compile(pattern);
  if (!regex) {
    reader.error(key, "invalid regular expression: " + regex.error());
    return {};
  }
  compiled = std::make_shared<const Pcre2Regex>(std::move(*regex));
  return pattern;
}

}  // namespace

MultilineConfig parse_multiline_config(config::ConfigReader& tail) {
  MultilineConfig config;
  if (!tail.has("multiline")) return config;
  config::ConfigReader& reader = tail.table("multiline");
  if (!reader.present()) return config;  // "multiline" is not a table: table() reported it
  const bool has_start = reader.has("start_pattern");
  const bool has_continue = reader.has("continue_pattern");
  const bool has_preset = reader.has("preset");
  std::shared_ptr<const Pcre2Regex> start_regex;
  std::shared_ptr<const Pcre2Regex> continue_regex;
  config.start_pattern = read_pattern(reader, "start_pattern", start_regex);
  config.continue_pattern = read_pattern(reader, "continue_pattern", continue_regex);
  if (has_preset) {
    const std::string preset = reader.one_of("preset", "java", {"java", "python", "go"});
    if (preset == "java") config.preset = MultilinePreset::kJava;
    if (preset == "python") config.preset = MultilinePreset::kPython;
    if (preset == "go") config.preset = MultilinePreset::kGo;
  }
  const int modes = int{has_start} + int{has_continue} + int{has_preset};
  if (modes == 0) {
    reader.error("", "needs one of start_pattern, continue_pattern or preset");
  } else if (modes > 1) {
    reader.error("", "set only one of start_pattern, continue_pattern and preset");
    // Keep one mode so the collector still has a consistent config while errors are reported.
    if (has_start) config.continue_pattern.clear();
    config.preset = MultilinePreset::kNone;
  }
  config.compiled_pattern = !config.start_pattern.empty() ? start_regex : continue_regex;
  config.max_lines = static_cast<std::size_t>(reader.integer(
      "max_lines", static_cast<std::int64_t>(kDefaultMultilineMaxLines), 1, kMaxMaxLines));
  config.max_bytes = static_cast<std::size_t>(
      reader.size("max_bytes", kDefaultMultilineMaxBytes, kMinMaxBytes, kMaxMultilineMaxBytes));
  config.flush_timeout = reader.duration("flush_timeout", std::chrono::seconds(1),
                                         std::chrono::milliseconds(1), std::chrono::hours(1));
  return config;
}

}  // namespace vigil::collectors::tail
