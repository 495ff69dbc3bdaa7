#pragma once

// Config of multiline assembly: the `multiline` table of a [[collectors.tail]] section.
//
//   [collectors.tail.multiline]          (or: multiline = { preset = "java" })
//   start_pattern    = PCRE2 regex of the first line of an event
//   continue_pattern = PCRE2 regex of the lines that continue an event
//   preset           = "java" | "python" | "go"
//   max_lines        = 500     lines per event (1 to 1,000,000); more start a new event (cut)
//   max_bytes        = "1MiB"  bytes per event, "\n" joins included (64 B to 64 MiB); likewise
//   flush_timeout    = "1s"    emit the event when no line arrived for this long (1 ms to 1 h)
// Exactly one of start_pattern, continue_pattern and preset (a table with none is an error); no
// table disables multiline assembly.

#include <cstddef>
#include <memory>
#include <string>

#include "agent/core/clock.h"

namespace vigil::config {
class ConfigReader;
}

namespace vigil::collectors::tail {

class Pcre2Regex;

enum class MultilinePreset : std::uint8_t { kNone, kJava, kPython, kGo };

inline constexpr std::size_t kDefaultMultilineMaxLines = 500;
inline constexpr std::size_t kDefaultMultilineMaxBytes = 1024 * 1024;
inline constexpr std::size_t kMaxMultilineMaxBytes = 64 * 1024 * 1024;

struct MultilineConfig {
  std::string start_pattern;
  std::string continue_pattern;
  MultilinePreset preset = MultilinePreset::kNone;
  std::size_t max_lines = kDefaultMultilineMaxLines;
  std::size_t max_bytes = kDefaultMultilineMaxBytes;
  core::Duration flush_timeout = std::chrono::seconds(1);
  // start_pattern or continue_pattern compiled once by parse_multiline_config and shared by
  // every file's assembler (null: MultilineAssembler::create compiles it).
  std::shared_ptr<const Pcre2Regex> compiled_pattern;

  bool enabled() const {
    return !start_pattern.empty() || !continue_pattern.empty() || preset != MultilinePreset::kNone;
  }
};

// Reads `multiline` from the [[collectors.tail]] table `tail` (absent: disabled). Patterns are
// compiled here so a bad one is reported at its key (file:line:col).
MultilineConfig parse_multiline_config(config::ConfigReader& tail);

}  // namespace vigil::collectors::tail
