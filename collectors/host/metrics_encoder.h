#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

// Writes an ExportMetricsServiceRequest's wire bytes directly (PROTOCOLS.md 3.4, 3.6), without
// message objects, into buffers it keeps: once they have grown to a scrape's size, encoding
// another scrape allocates nothing.
namespace vigil::collectors::host {

// A string attribute of a data point.
struct Attribute {
  std::string_view key;
  std::string_view value;
};

enum class MetricKind : std::uint8_t {
  kGauge,    // Gauge
  kCounter,  // Sum, cumulative, monotonic
  kUpDown,   // Sum, cumulative, not monotonic
};

struct MetricInfo {
  std::string_view name;
  std::string_view description;
  std::string_view unit;
  MetricKind kind = MetricKind::kGauge;
};

// Usage: begin_request(); then per metric begin_metric(), its points, end_metric(); last
// finish_request(). A metric that got no point is left out. Strings must be valid UTF-8 (the
// caller's job: see text_scan.h).
class MetricsEncoder {
 public:
  // The request's single ResourceMetrics carries `resource` (a serialized Resource message) and
  // one ScopeMetrics with `scope` (a serialized InstrumentationScope).
  MetricsEncoder(std::string resource, std::string scope);

  void begin_request();
  void begin_metric(const MetricInfo& metric);
  // `start_unix_nanos` is written for sums only (gauges have no start time).
  void add_double(std::initializer_list<Attribute> attributes, std::int64_t start_unix_nanos,
                  std::int64_t time_unix_nanos, double value);
  void add_int(std::initializer_list<Attribute> attributes, std::int64_t start_unix_nanos,
               std::int64_t time_unix_nanos, std::int64_t value);
  void end_metric();
  // Writes the whole request to `out` (replacing its content, keeping its capacity) and
  // returns the number of data points in it.
  std::uint64_t finish_request(std::string& out);

  std::uint64_t points() const { return point_count_; }

 private:
  void add_point(std::initializer_list<Attribute> attributes, std::int64_t start_unix_nanos,
                 std::int64_t time_unix_nanos, std::uint8_t value_tag, std::uint64_t value_bits);

  std::string resource_;     // serialized Resource
  std::string scope_;        // serialized InstrumentationScope
  std::string metrics_;      // the Metric fields of the ScopeMetrics written so far
  std::string point_bytes_;  // the data_points fields of the metric being written
  MetricInfo metric_;
  std::uint64_t points_in_metric_ = 0;
  std::uint64_t point_count_ = 0;
};

// A metric of a single point without attributes.
void encode_single_int(MetricsEncoder& encoder, const MetricInfo& metric, std::int64_t start,
                       std::int64_t time, std::uint64_t value);
void encode_single_double(MetricsEncoder& encoder, const MetricInfo& metric, std::int64_t start,
                          std::int64_t time, double value);

// The serialized InstrumentationScope {name, version} (for the MetricsEncoder constructor).
std::string encode_scope(std::string_view name, std::string_view version);

}  // namespace vigil::collectors::host
