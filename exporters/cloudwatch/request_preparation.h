#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "exporters/cloudwatch/log_batcher.h"
#include "exporters/cloudwatch/log_delivery.h"
#include "exporters/cloudwatch/log_translation.h"
#include "exporters/cloudwatch/metric_datum.h"

namespace vigil::exporters::cloudwatch {

// One API request a batch turns into.
struct PreparedRequest {
  enum class Kind : std::uint8_t { kPutMetricData, kPutLogEvents };
  Kind kind = Kind::kPutMetricData;
  std::string body;                       // PutMetricData: as sent (gzip-compressed when gzip)
  bool gzip = false;                      // PutMetricData body compressed
  std::shared_ptr<const LogRequest> log;  // PutLogEvents (logs, or EMF metrics)
  std::uint64_t items = 0;                // datums or events it carries
};

struct MetricRequestOptions {
  std::string namespace_name;
  bool emf = false;       // EMF log events instead of PutMetricData
  bool gzip = true;       // PutMetricData bodies compressed (Content-Encoding: gzip)
  std::string emf_group;  // expanded names, for EMF
  std::string emf_stream;
};

// Datums as PutMetricData requests (batched by count and size, gzip-compressed), or as EMF
// events in PutLogEvents requests. Pure: may run on libuv's thread pool.
core::Result<std::vector<PreparedRequest>> prepare_metric_requests(
    const std::vector<MetricDatum>& datums, const MetricRequestOptions& options,
    LogBatchStats& stats);

struct LogRequestOptions {
  const NameTemplate* group = nullptr;
  const NameTemplate* stream = nullptr;
  LogMessageFormat format = LogMessageFormat::kBody;
};

// An ExportLogsServiceRequest as PutLogEvents requests, per stream in first-seen order. Pure:
// may run on libuv's thread pool.
core::Result<std::vector<PreparedRequest>> prepare_log_requests(std::string_view payload,
                                                                const LogRequestOptions& options,
                                                                std::int64_t now_ns,
                                                                LogBatchStats& stats);

}  // namespace vigil::exporters::cloudwatch
