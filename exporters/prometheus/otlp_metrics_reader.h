#pragma once

// The parts of a serialized ExportMetricsServiceRequest the Prometheus translation reads, as
// views into the request bytes (no message is materialised, nothing is copied but numbers).
// Every reader expects bytes that parse (otlp_request_check.h): singular fields keep their last
// occurrence and repeated ones all of them, in order, as the parsed message would; a field of
// an unexpected wire type is an unknown field and skipped, as the parser does.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/prometheus/cumulative_state.h"
#include "exporters/prometheus/otlp_wire_fields.h"

namespace vigil::exporters::prometheus {

// Calls fn(bytes) for each occurrence of the message field `number` of `message`, in order.
template <typename F>
void for_each_message(std::string_view message, std::uint32_t number, F&& fn) {
  WireFields fields(message);
  WireField f;
  while (fields.next(f)) {
    if (f.is(number, WireType::kLength)) fn(f.bytes);
  }
}

// Field numbers of the containers (opentelemetry/proto/.../metrics.proto and friends).
inline constexpr std::uint32_t kRequestResourceMetrics = 1;
inline constexpr std::uint32_t kResourceMetricsResource = 1;
inline constexpr std::uint32_t kResourceMetricsScopeMetrics = 2;
inline constexpr std::uint32_t kResourceAttributes = 1;
inline constexpr std::uint32_t kScopeMetricsScope = 1;
inline constexpr std::uint32_t kScopeMetricsMetrics = 2;
inline constexpr std::uint32_t kDataPoints = 1;  // of Gauge, Sum, Histogram, ...

// The last occurrence of message field `number` ("" when it has none: an empty message).
std::string_view last_message(std::string_view message, std::uint32_t number);

struct ScopeView {
  std::string_view name;
  std::string_view version;
};
ScopeView read_scope(std::string_view scope);

enum class MetricData : std::uint8_t {
  kNone,
  kGauge,
  kSum,
  kHistogram,
  kExponentialHistogram,
  kSummary,
};

struct MetricView {
  std::string_view name;
  std::string_view description;
  std::string_view unit;
  MetricData data = MetricData::kNone;  // the `data` oneof's last member
  std::string_view body;                // that member's message (its data points, ...)
  bool monotonic = false;               // Sum.is_monotonic
  bool delta = false;                   // aggregation_temporality == DELTA
};
MetricView read_metric(std::string_view metric);

// Data points of the metric's data message.
std::uint64_t count_data_points(std::string_view body);

// An AnyValue: the field number of its `value` oneof's last member (0: none) and that member.
struct AnyValueView {
  std::uint32_t member = 0;
  std::uint64_t number = 0;  // bool, int, double (bits)
  std::string_view bytes;    // string, bytes, array, kvlist
};
AnyValueView read_any_value(std::string_view any_value);

struct KeyValueView {
  std::string_view key;
  AnyValueView value;
};
KeyValueView read_key_value(std::string_view key_value);

// The KeyValue messages of repeated field `number` of `message`, replacing `out`'s.
void read_key_values(std::string_view message, std::uint32_t number,
                     std::vector<KeyValueView>& out);

// An AnyValue as label text, exactly as append_attribute_text (prometheus_labels.h) writes the
// parsed message. Appended to `out`.
void append_any_value_text(const AnyValueView& value, std::string& out);
// The same as a view: of the string itself when the value is one (the usual case, no copy),
// else of `scratch`, which receives the text.
std::string_view any_value_text(const AnyValueView& value, std::string& scratch);

// What every data point has.
struct PointCommon {
  std::vector<KeyValueView> attributes;
  std::uint64_t start_ns = 0;
  std::uint64_t time_ns = 0;
  std::uint32_t flags = 0;
};

struct NumberPoint : PointCommon {
  double value = 0;
};
void read_number_point(std::string_view point, NumberPoint& out);

struct HistogramPoint : PointCommon {
  HistogramValue value;
};
void read_histogram_point(std::string_view point, HistogramPoint& out);

struct ExponentialPoint : PointCommon {
  ExponentialHistogramValue value;
};
void read_exponential_point(std::string_view point, ExponentialPoint& out);

struct SummaryPoint : PointCommon {
  std::uint64_t count = 0;
  double sum = 0;
  std::vector<std::pair<double, double>> quantiles;  // (quantile, value)
};
void read_summary_point(std::string_view point, SummaryPoint& out);

}  // namespace vigil::exporters::prometheus
