#include "exporters/cloudwatch/log_translation.h"

#include <map>
#include <utility>

#include "agent/otlp/json_text.h"
#include "exporters/cloudwatch/otlp_values.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace vigil::exporters::cloudwatch {

namespace {

namespace pb = opentelemetry::proto::logs::v1;

std::string body_text(const pb::LogRecord& record) {
  if (!record.has_body()) return {};
  return any_value_text(record.body());
}

std::string record_json(const pb::LogRecord& record) {
  std::string out = "{";
  auto key = [&](std::string_view k) {
    if (out.size() > 1) out.push_back(',');
    otlp::append_json_string(k, out);
    out.push_back(':');
  };
  if (record.has_body()) {
    key("body");
    append_any_value_json(record.body(), out);
  }
  if (!record.severity_text().empty()) {
    key("severity");
    otlp::append_json_string(record.severity_text(), out);
  }
  if (record.severity_number() != 0) {
    key("severity_number");
    otlp::append_json_int(record.severity_number(), out);
  }
  if (!record.attributes().empty()) {
    key("attributes");
    append_attributes_json(record.attributes(), out);
  }
  if (!record.trace_id().empty()) {
    key("trace_id");
    otlp::append_json_hex(record.trace_id(), out);
  }
  if (!record.span_id().empty()) {
    key("span_id");
    otlp::append_json_hex(record.span_id(), out);
  }
  out.push_back('}');
  return out;
}

}  // namespace

core::Result<std::vector<StreamEvents>> translate_logs(std::string_view payload,
                                                       const NameTemplate& group,
                                                       const NameTemplate& stream,
                                                       LogMessageFormat format,
                                                       std::int64_t now_ns) {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  if (!request.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return core::make_error("the batch is not a valid ExportLogsServiceRequest");
  }
  std::vector<StreamEvents> out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  const KeyValues no_attributes;
  for (const auto& rl : request.resource_logs()) {
    const KeyValues& resource = rl.resource().attributes();
    // Names that depend only on the resource are expanded once per resource.
    std::string group_name, stream_name;
    if (!group.uses_record()) group_name = group.expand(resource, no_attributes);
    if (!stream.uses_record()) stream_name = stream.expand(resource, no_attributes);
    for (const auto& sl : rl.scope_logs()) {
      for (const auto& record : sl.log_records()) {
        if (group.uses_record()) group_name = group.expand(resource, record.attributes());
        if (stream.uses_record()) stream_name = stream.expand(resource, record.attributes());
        auto [it, inserted] = index.try_emplace({group_name, stream_name}, out.size());
        if (inserted) out.push_back({group_name, stream_name, {}});
        std::uint64_t time = record.time_unix_nano();
        if (time == 0) time = record.observed_time_unix_nano();
        const std::int64_t ns = time != 0 ? static_cast<std::int64_t>(time) : now_ns;
        out[it->second].events.push_back({ns / 1'000'000, format == LogMessageFormat::kJson
                                                              ? record_json(record)
                                                              : body_text(record)});
      }
    }
  }
  return out;
}

}  // namespace vigil::exporters::cloudwatch
