#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "exporters/cloudwatch/log_batcher.h"
#include "exporters/cloudwatch/name_template.h"

namespace vigil::exporters::cloudwatch {

// How a log record becomes a CloudWatch message.
enum class LogMessageFormat : std::uint8_t {
  kBody,  // the body: a string as it is, anything else as JSON
  kJson,  // {"body":..,"severity":..,"attributes":{..},"trace_id":..,"span_id":..}
};

// The events of one log stream, in the order the batch held them.
struct StreamEvents {
  std::string group;
  std::string stream;
  std::vector<LogEvent> events;
};

// Splits an ExportLogsServiceRequest by expanded (group, stream) names. Each record's time is
// its time_unix_nano, else its observed time, else `now_ns`, in milliseconds.
core::Result<std::vector<StreamEvents>> translate_logs(std::string_view payload,
                                                       const NameTemplate& group,
                                                       const NameTemplate& stream,
                                                       LogMessageFormat format,
                                                       std::int64_t now_ns);

}  // namespace vigil::exporters::cloudwatch
