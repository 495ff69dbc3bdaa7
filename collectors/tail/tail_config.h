#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/app/component.h"
#include "agent/core/clock.h"
#include "collectors/tail/glob_pattern.h"
#include "collectors/tail/line_parser.h"
#include "collectors/tail/multiline_config.h"

namespace vigil::collectors::tail {

enum class StartAt : std::uint8_t { kEnd, kBeginning };
enum class WatchMode : std::uint8_t { kInotify, kPoll };
enum class LongLines : std::uint8_t { kSplit, kTruncate };

inline constexpr std::uint64_t kMinReadBufferSize = 4 * 1024;
inline constexpr std::uint64_t kMaxReadBufferSize = 16 * 1024 * 1024;
inline constexpr std::uint64_t kMinMaxLineSize = 16;
inline constexpr std::uint64_t kMaxMaxLineSize = 16 * 1024 * 1024;
inline constexpr std::uint64_t kMaxBatchBytes = 64 * 1024 * 1024;

// One [[collectors.tail]] section (README.md in this folder documents every key).
struct TailConfig final : app::ComponentConfig {
  std::vector<GlobPattern> paths;
  std::vector<ExcludePattern> exclude;
  StartAt start_at = StartAt::kEnd;
  WatchMode watch = WatchMode::kInotify;
  core::Duration scan_interval = std::chrono::seconds(5);
  core::Duration poll_interval = std::chrono::milliseconds(250);
  std::uint64_t max_open_files = 1024;
  core::Duration rotate_wait = std::chrono::seconds(5);
  std::uint32_t fingerprint_size = 1024;
  std::uint64_t max_line_size = 256 * 1024;
  LongLines long_lines = LongLines::kSplit;
  std::uint64_t read_buffer_size = 256 * 1024;
  std::uint64_t batch_max_records = 8192;
  std::uint64_t batch_max_bytes = 1024 * 1024;
  core::Duration flush_interval = std::chrono::milliseconds(200);
  core::Duration checkpoint_sync_interval = std::chrono::seconds(1);
  std::map<std::string, std::string> attributes;
  MultilineConfig multiline;
  ParserConfig parser;

  // The read buffer must hold a whole line of max_line_size plus its newline.
  std::size_t effective_read_buffer() const {
    return static_cast<std::size_t>(std::max(read_buffer_size, max_line_size + 2));
  }
};

// Reads the keys above; bad values are reported to the reader with file:line:col and key.
std::shared_ptr<const TailConfig> parse_tail_config(config::ConfigReader& reader);

}  // namespace vigil::collectors::tail
