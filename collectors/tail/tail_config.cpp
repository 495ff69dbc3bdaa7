#include "collectors/tail/tail_config.h"

#include <fmt/format.h>

namespace vigil::collectors::tail {

namespace {

constexpr std::uint32_t kMinFingerprintSize = 16;
constexpr std::uint32_t kMaxFingerprintSize = 64 * 1024;
constexpr std::int64_t kMaxOpenFiles = 1'000'000;
constexpr std::int64_t kMaxBatchRecords = 1'000'000;

// Parses each pattern; a bad one is reported at its index ("paths[1]").
template <typename Pattern>
std::vector<Pattern> read_patterns(config::ConfigReader& reader, std::string_view key,
                                   const std::vector<std::string>& texts) {
  std::vector<Pattern> out;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto pattern = Pattern::parse(texts[i]);
    if (pattern) {
      out.push_back(std::move(*pattern));
    } else {
      reader.error(key, i, pattern.error().message);
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<const TailConfig> parse_tail_config(config::ConfigReader& reader) {
  auto config = std::make_shared<TailConfig>();

  const auto paths = reader.string_list("paths", {});
  if (!reader.has("paths")) {
    reader.error("paths", "missing required key: the files to tail, e.g. [\"/var/log/app/*.log\"]");
  } else if (paths.empty()) {
    reader.error("paths", "must not be empty");
  }
  config->paths = read_patterns<GlobPattern>(reader, "paths", paths);
  config->exclude =
      read_patterns<ExcludePattern>(reader, "exclude", reader.string_list("exclude", {}));

  config->start_at = reader.one_of("start_at", "end", {"end", "beginning"}) == "beginning"
                         ? StartAt::kBeginning
                         : StartAt::kEnd;
  config->watch = reader.one_of("watch", "inotify", {"inotify", "poll"}) == "poll"
                      ? WatchMode::kPoll
                      : WatchMode::kInotify;
  config->scan_interval = reader.duration("scan_interval", config->scan_interval,
                                          std::chrono::milliseconds(100), std::chrono::hours(1));
  config->poll_interval = reader.duration("poll_interval", config->poll_interval,
                                          std::chrono::milliseconds(10), std::chrono::minutes(10));
  config->max_open_files = static_cast<std::uint64_t>(reader.integer(
      "max_open_files", static_cast<std::int64_t>(config->max_open_files), 1, kMaxOpenFiles));
  config->rotate_wait = reader.duration("rotate_wait", config->rotate_wait, core::Duration::zero(),
                                        std::chrono::hours(24));
  config->fingerprint_size = static_cast<std::uint32_t>(reader.size(
      "fingerprint_size", config->fingerprint_size, kMinFingerprintSize, kMaxFingerprintSize));
  config->max_line_size =
      reader.size("max_line_size", config->max_line_size, kMinMaxLineSize, kMaxMaxLineSize);
  config->long_lines = reader.one_of("long_lines", "split", {"split", "truncate"}) == "truncate"
                           ? LongLines::kTruncate
                           : LongLines::kSplit;
  config->read_buffer_size = reader.size("read_buffer_size", config->read_buffer_size,
                                         kMinReadBufferSize, kMaxReadBufferSize);
  config->batch_max_records = static_cast<std::uint64_t>(
      reader.integer("batch_max_records", static_cast<std::int64_t>(config->batch_max_records), 1,
                     kMaxBatchRecords));
  config->batch_max_bytes =
      reader.size("batch_max_bytes", config->batch_max_bytes, 1024, kMaxBatchBytes);
  config->flush_interval = reader.duration("flush_interval", config->flush_interval,
                                           std::chrono::milliseconds(1), std::chrono::minutes(1));
  config->checkpoint_sync_interval =
      reader.duration("checkpoint_sync_interval", config->checkpoint_sync_interval,
                      core::Duration::zero(), std::chrono::minutes(10));
  config->attributes = reader.string_map("attributes");
  for (const char* reserved : {"log.file.name", "log.file.path"}) {
    if (config->attributes.contains(reserved)) {
      reader.error("attributes", fmt::format("\"{}\" is set by the collector itself", reserved));
      config->attributes.erase(reserved);
    }
  }
  config->multiline = parse_multiline_config(reader);
  config->parser = parse_parser_config(reader);
  return config;
}

}  // namespace vigil::collectors::tail
