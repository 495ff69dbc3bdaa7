#include "exporters/cloudwatch/log_batcher.h"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>

#include "agent/otlp/json_text.h"

namespace vigil::exporters::cloudwatch {

std::string valid_utf8(std::string_view message) {
  if (otlp::is_valid_utf8(message)) return std::string(message);
  // The JSON string writer already replaces ill-formed sequences the standard way; reading its
  // output back yields the repaired text (a rare path: tailed files are mostly clean).
  std::string json;
  otlp::append_json_string(message, json);
  rapidjson::Document document;
  rapidjson::MemoryStream in(json.data(), json.size());
  document.ParseStream<rapidjson::kParseValidateEncodingFlag, rapidjson::UTF8<>>(in);
  if (document.HasParseError() || !document.IsString()) return std::string();
  return std::string(document.GetString(), document.GetStringLength());
}

std::size_t utf8_prefix_length(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

std::string put_log_events_json(std::string_view group, std::string_view stream,
                                std::span<const LogEvent> events) {
  std::size_t size = 96 + group.size() + stream.size();
  for (const auto& e : events) size += e.message.size() + 40;
  std::string out;
  out.reserve(size);
  out += "{\"logGroupName\":";
  otlp::append_json_string(group, out);
  out += ",\"logStreamName\":";
  otlp::append_json_string(stream, out);
  out += ",\"logEvents\":[";
  bool first = true;
  for (const auto& e : events) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"timestamp\":";
    otlp::append_json_int(e.timestamp_ms, out);
    out += ",\"message\":";
    otlp::append_json_string(e.message, out);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::vector<PutLogEventsBody> build_put_log_events(std::string_view group, std::string_view stream,
                                                   std::vector<LogEvent> events,
                                                   LogBatchStats& stats,
                                                   const LogBatchLimits& limits) {
  std::erase_if(events, [&](LogEvent& e) {
    e.message = valid_utf8(e.message);
    if (e.message.empty()) {
      ++stats.empty;
      return true;
    }
    if (e.message.size() > limits.max_message_bytes) {
      e.message.resize(utf8_prefix_length(e.message, limits.max_message_bytes));
      ++stats.truncated;
    }
    return false;
  });
  std::stable_sort(events.begin(), events.end(), [](const LogEvent& a, const LogEvent& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });

  std::vector<PutLogEventsBody> bodies;
  std::size_t begin = 0;
  while (begin < events.size()) {
    std::size_t end = begin;
    std::size_t bytes = 0;
    while (end < events.size()) {
      const std::size_t size = events[end].message.size() + limits.event_overhead;
      const bool fits = end - begin < limits.max_events && bytes + size <= limits.max_bytes &&
                        events[end].timestamp_ms - events[begin].timestamp_ms < limits.max_span_ms;
      if (!fits && end > begin) break;
      bytes += size;
      ++end;
    }
    std::span<const LogEvent> slice(events.data() + begin, end - begin);
    bodies.push_back({put_log_events_json(group, stream, slice), slice.size(),
                      slice.front().timestamp_ms, slice.back().timestamp_ms});
    begin = end;
  }
  return bodies;
}

}  // namespace vigil::exporters::cloudwatch
