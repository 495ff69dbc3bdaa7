#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/cloudwatch/metric_datum.h"

namespace vigil::exporters::cloudwatch {

// PutMetricData's documented request limits (PROTOCOLS.md 5.1). "1 MB" is read as the decimal
// megabyte, and applied to the body before compression, so either reading of the limit holds.
inline constexpr std::size_t kMaxDatumsPerRequest = 1000;
inline constexpr std::size_t kMaxPutMetricDataBytes = 1'000'000;

// One PutMetricData request body (query protocol, application/x-www-form-urlencoded, before
// compression) and how many datums it carries.
struct PutMetricDataBody {
  std::string body;
  std::size_t datums = 0;
};

// Encodes `datums` as Action=PutMetricData&Version=2010-08-01&Namespace=...&MetricData.member.N...
// bodies of at most `max_datums` datums and `max_bytes` bytes each, in order.
std::vector<PutMetricDataBody> build_put_metric_data(
    std::string_view namespace_name, std::span<const MetricDatum> datums,
    std::size_t max_datums = kMaxDatumsPerRequest, std::size_t max_bytes = kMaxPutMetricDataBytes);

// Form encoding of the query protocol: every byte but A-Z a-z 0-9 - _ . ~ as %XX.
void append_form_encoded(std::string_view s, std::string& out);

// "2024-01-01T00:00:00Z", or "2024-01-01T00:00:00.250Z" when there are milliseconds (UTC).
std::string iso8601_from_ms(std::int64_t unix_ms);

}  // namespace vigil::exporters::cloudwatch
