#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::exporters::cloudwatch {

// One CloudWatch Logs event: milliseconds since the epoch and a UTF-8 message.
struct LogEvent {
  std::int64_t timestamp_ms = 0;
  std::string message;
};

// PutLogEvents' limits (PROTOCOLS.md 5.2). The event size limit is the historical 256 KiB
// including the 26 bytes of per-event overhead, which every documented version accepts.
struct LogBatchLimits {
  std::size_t max_bytes = 1'048'576;  // sum of (UTF-8 message bytes + event_overhead)
  std::size_t event_overhead = 26;
  std::size_t max_events = 10'000;
  std::int64_t max_span_ms = 24LL * 3600 * 1000;  // last - first timestamp, kept below this
  std::size_t max_message_bytes = 262'144 - 26;
};

// One PutLogEvents request: the JSON body (AWS JSON 1.1) and what it carries.
struct PutLogEventsBody {
  std::string body;
  std::size_t events = 0;
  std::int64_t first_timestamp_ms = 0;
  std::int64_t last_timestamp_ms = 0;
};

struct LogBatchStats {
  std::uint64_t truncated = 0;  // messages cut to max_message_bytes
  std::uint64_t empty = 0;      // dropped: empty messages (PutLogEvents needs at least 1 byte)
};

// Prepares one stream's events and splits them into PutLogEvents bodies: invalid UTF-8 is
// replaced by U+FFFD, messages longer than max_message_bytes are cut at a character boundary
// (counted), empty ones dropped (counted), events sorted by timestamp (stable: equal
// timestamps keep their order), then cut into requests that respect every limit.
std::vector<PutLogEventsBody> build_put_log_events(std::string_view group, std::string_view stream,
                                                   std::vector<LogEvent> events,
                                                   LogBatchStats& stats,
                                                   const LogBatchLimits& limits = {});

// {"logGroupName":..,"logStreamName":..,"logEvents":[{"timestamp":..,"message":..},...]}
std::string put_log_events_json(std::string_view group, std::string_view stream,
                                std::span<const LogEvent> events);

// `message` as valid UTF-8 (ill-formed sequences become U+FFFD).
std::string valid_utf8(std::string_view message);

// The longest prefix of valid UTF-8 `s` of at most `max` bytes that ends on a character boundary.
std::size_t utf8_prefix_length(std::string_view s, std::size_t max);

}  // namespace vigil::exporters::cloudwatch
