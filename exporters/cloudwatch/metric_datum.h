#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::exporters::cloudwatch {

struct Dimension {
  std::string name;
  std::string value;
  bool operator==(const Dimension&) const = default;
};

// CloudWatch's StatisticSet: all four members are required by PutMetricData.
struct StatisticSet {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
  bool operator==(const StatisticSet&) const = default;
};

// One CloudWatch MetricDatum (PROTOCOLS.md 5.1), already valid: a name of 1-255 characters, at
// most 30 dimensions, finite values, a unit from CloudWatch's enum. Exactly one of `value`,
// `statistics` or `values` (+ `counts`) is meaningful, as `kind` says.
struct MetricDatum {
  enum class Kind : std::uint8_t { kValue, kStatistics, kValues };

  std::string name;
  std::vector<Dimension> dimensions;
  std::int64_t timestamp_ms = 0;
  std::string_view unit = "None";  // one of the static names of unit_mapping.h
  int storage_resolution = 60;     // 1 (high resolution) or 60
  Kind kind = Kind::kValue;
  double value = 0;
  StatisticSet statistics;
  std::vector<double> values;  // at most kMaxValuesPerDatum
  std::vector<double> counts;  // same length as values
};

// PutMetricData limits (PROTOCOLS.md 5.1).
inline constexpr std::size_t kMaxDimensions = 30;
inline constexpr std::size_t kMaxValuesPerDatum = 150;
inline constexpr std::size_t kMaxMetricNameLength = 255;
inline constexpr std::size_t kMaxDimensionNameLength = 255;
inline constexpr std::size_t kMaxDimensionValueLength = 1024;

}  // namespace vigil::exporters::cloudwatch
