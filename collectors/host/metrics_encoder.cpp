#include "collectors/host/metrics_encoder.h"

#include <bit>
#include <cstring>
#include <utility>

namespace vigil::collectors::host {

namespace {

// Tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr std::uint8_t kRequestResourceMetrics = 0x0A;       // ExportMetricsServiceRequest.1
constexpr std::uint8_t kResourceMetricsResource = 0x0A;      // ResourceMetrics.1
constexpr std::uint8_t kResourceMetricsScopeMetrics = 0x12;  // ResourceMetrics.2
constexpr std::uint8_t kScopeMetricsScope = 0x0A;            // ScopeMetrics.1
constexpr std::uint8_t kScopeMetricsMetrics = 0x12;          // ScopeMetrics.2
constexpr std::uint8_t kScopeName = 0x0A;                    // InstrumentationScope.1
constexpr std::uint8_t kScopeVersion = 0x12;                 // InstrumentationScope.2
constexpr std::uint8_t kMetricName = 0x0A;                   // Metric.1
constexpr std::uint8_t kMetricDescription = 0x12;            // Metric.2
constexpr std::uint8_t kMetricUnit = 0x1A;                   // Metric.3
constexpr std::uint8_t kMetricGauge = 0x2A;                  // Metric.5
constexpr std::uint8_t kMetricSum = 0x3A;                    // Metric.7
constexpr std::uint8_t kDataPoints = 0x0A;                   // Gauge.1, Sum.1
constexpr std::uint8_t kSumTemporality = 0x10;               // Sum.2
constexpr std::uint8_t kSumMonotonic = 0x18;                 // Sum.3
constexpr std::uint8_t kCumulative = 2;                      // AGGREGATION_TEMPORALITY_CUMULATIVE
constexpr std::uint8_t kPointStart = 0x11;                   // NumberDataPoint.2 fixed64
constexpr std::uint8_t kPointTime = 0x19;                    // NumberDataPoint.3 fixed64
constexpr std::uint8_t kPointDouble = 0x21;                  // NumberDataPoint.4 double
constexpr std::uint8_t kPointInt = 0x31;                     // NumberDataPoint.6 sfixed64
constexpr std::uint8_t kPointAttributes = 0x3A;              // NumberDataPoint.7
constexpr std::uint8_t kKeyValueKey = 0x0A;                  // KeyValue.1
constexpr std::uint8_t kKeyValueValue = 0x12;                // KeyValue.2
constexpr std::uint8_t kAnyValueString = 0x0A;               // AnyValue.1

constexpr std::size_t kFixed64Field = 9;  // tag + 8 bytes

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes into `bytes` (room for 10); returns how many.
std::size_t varint_bytes(char* bytes, std::uint64_t v) {
  std::size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  return n;
}

// The write_* functions write one field at `p`, which has room for it, and return the position
// after it: a data point is written into room made for it at once, not appended piecewise.
char* write_header(char* p, std::uint8_t tag, std::size_t length) {
  *p++ = static_cast<char>(tag);
  return p + varint_bytes(p, length);
}

char* write_fixed64(char* p, std::uint8_t tag, std::uint64_t v) {
  *p++ = static_cast<char>(tag);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return p + 8;
}

char* write_bytes(char* p, std::uint8_t tag, std::string_view bytes) {
  p = write_header(p, tag, bytes.size());
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

// Size of a length-delimited field whose content is `length` bytes long.
std::size_t field_size(std::size_t length) { return 1 + varint_size(length) + length; }

void put_header(std::string& out, std::uint8_t tag, std::size_t length) {
  char bytes[11];
  bytes[0] = static_cast<char>(tag);
  out.append(bytes, 1 + varint_bytes(bytes + 1, length));
}

void put_bytes(std::string& out, std::uint8_t tag, std::string_view bytes) {
  put_header(out, tag, bytes.size());
  out.append(bytes);
}

std::size_t any_value_size(const Attribute& a) { return field_size(a.value.size()); }

std::size_t key_value_size(const Attribute& a) {
  return field_size(a.key.size()) + field_size(any_value_size(a));
}

}  // namespace

MetricsEncoder::MetricsEncoder(std::string resource, std::string scope)
    : resource_(std::move(resource)), scope_(std::move(scope)) {}

void MetricsEncoder::begin_request() {
  metrics_.clear();
  point_bytes_.clear();
  point_count_ = 0;
  points_in_metric_ = 0;
}

void MetricsEncoder::begin_metric(const MetricInfo& metric) {
  metric_ = metric;
  point_bytes_.clear();
  points_in_metric_ = 0;
}

void MetricsEncoder::add_double(std::initializer_list<Attribute> attributes,
                                std::int64_t start_unix_nanos, std::int64_t time_unix_nanos,
                                double value) {
  add_point(attributes, start_unix_nanos, time_unix_nanos, kPointDouble,
            std::bit_cast<std::uint64_t>(value));
}

void MetricsEncoder::add_int(std::initializer_list<Attribute> attributes,
                             std::int64_t start_unix_nanos, std::int64_t time_unix_nanos,
                             std::int64_t value) {
  add_point(attributes, start_unix_nanos, time_unix_nanos, kPointInt,
            static_cast<std::uint64_t>(value));
}

void MetricsEncoder::add_point(std::initializer_list<Attribute> attributes,
                               std::int64_t start_unix_nanos, std::int64_t time_unix_nanos,
                               std::uint8_t value_tag, std::uint64_t value_bits) {
  const bool with_start = metric_.kind != MetricKind::kGauge && start_unix_nanos > 0;
  std::size_t point_size = kFixed64Field * (with_start ? 3 : 2);
  for (const auto& a : attributes) point_size += field_size(key_value_size(a));

  const std::size_t old_size = point_bytes_.size();
  const std::size_t new_size = old_size + field_size(point_size);
  point_bytes_.resize_and_overwrite(new_size, [&](char* data, std::size_t) {
    char* p = write_header(data + old_size, kDataPoints, point_size);
    if (with_start) p = write_fixed64(p, kPointStart, static_cast<std::uint64_t>(start_unix_nanos));
    p = write_fixed64(p, kPointTime, static_cast<std::uint64_t>(time_unix_nanos));
    p = write_fixed64(p, value_tag, value_bits);
    for (const auto& a : attributes) {
      p = write_header(p, kPointAttributes, key_value_size(a));
      p = write_bytes(p, kKeyValueKey, a.key);
      p = write_header(p, kKeyValueValue, any_value_size(a));
      p = write_bytes(p, kAnyValueString, a.value);
    }
    return static_cast<std::size_t>(p - data);
  });
  ++points_in_metric_;
}

void MetricsEncoder::end_metric() {
  if (points_in_metric_ == 0) return;
  const bool sum = metric_.kind != MetricKind::kGauge;
  const bool monotonic = metric_.kind == MetricKind::kCounter;
  const std::size_t data_size = point_bytes_.size() + (sum ? 2 : 0) + (monotonic ? 2 : 0);
  std::size_t metric_size = field_size(metric_.name.size()) + field_size(data_size);
  if (!metric_.description.empty()) metric_size += field_size(metric_.description.size());
  if (!metric_.unit.empty()) metric_size += field_size(metric_.unit.size());

  put_header(metrics_, kScopeMetricsMetrics, metric_size);
  put_bytes(metrics_, kMetricName, metric_.name);
  if (!metric_.description.empty()) put_bytes(metrics_, kMetricDescription, metric_.description);
  if (!metric_.unit.empty()) put_bytes(metrics_, kMetricUnit, metric_.unit);
  put_header(metrics_, sum ? kMetricSum : kMetricGauge, data_size);
  metrics_.append(point_bytes_);
  if (sum) {
    metrics_.push_back(static_cast<char>(kSumTemporality));
    metrics_.push_back(static_cast<char>(kCumulative));
  }
  if (monotonic) {
    metrics_.push_back(static_cast<char>(kSumMonotonic));
    metrics_.push_back(1);
  }
  point_count_ += points_in_metric_;
  points_in_metric_ = 0;
  point_bytes_.clear();
}

std::uint64_t MetricsEncoder::finish_request(std::string& out) {
  const std::size_t scope_metrics_size = field_size(scope_.size()) + metrics_.size();
  const std::size_t resource_metrics_size =
      field_size(resource_.size()) + field_size(scope_metrics_size);
  out.clear();
  // A request can be longer than the last one (integer values are varints; utilization points
  // come once a CPU state has moved; about 16% apart on this machine): room to spare keeps a
  // reused `out` from growing at such a scrape.
  const std::size_t request_size = field_size(resource_metrics_size);
  if (out.capacity() < request_size) out.reserve(request_size + request_size / 2);
  put_header(out, kRequestResourceMetrics, resource_metrics_size);
  put_bytes(out, kResourceMetricsResource, resource_);
  put_header(out, kResourceMetricsScopeMetrics, scope_metrics_size);
  put_bytes(out, kScopeMetricsScope, scope_);
  out.append(metrics_);
  return point_count_;
}

void encode_single_int(MetricsEncoder& encoder, const MetricInfo& metric, std::int64_t start,
                       std::int64_t time, std::uint64_t value) {
  encoder.begin_metric(metric);
  encoder.add_int({}, start, time, static_cast<std::int64_t>(value));
  encoder.end_metric();
}

void encode_single_double(MetricsEncoder& encoder, const MetricInfo& metric, std::int64_t start,
                          std::int64_t time, double value) {
  encoder.begin_metric(metric);
  encoder.add_double({}, start, time, value);
  encoder.end_metric();
}

std::string encode_scope(std::string_view name, std::string_view version) {
  std::string out;
  put_bytes(out, kScopeName, name);
  if (!version.empty()) put_bytes(out, kScopeVersion, version);
  return out;
}

}  // namespace vigil::collectors::host
