#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "exporters/cloudwatch/metric_datum.h"

namespace vigil::exporters::cloudwatch {

// One interval's distribution (a delta histogram, or the difference of two cumulative ones),
// in the shape PutMetricData and EMF can carry.
struct Distribution {
  double count = 0;
  std::optional<double> sum;
  std::optional<double> min;  // only for delta points: a cumulative point's min/max cover
  std::optional<double> max;  // its whole life, not the interval
  // Explicit buckets: bucket i is (bounds[i-1], bounds[i]]; counts has bounds.size() + 1
  // entries (or both are empty).
  std::span<const double> bounds;
  std::span<const double> counts;
};

// An exponential histogram's interval: positive bucket i covers (base^(offset+i),
// base^(offset+i+1)] with base = 2^(2^-scale), negative ones the mirror image.
struct ExponentialDistribution {
  double count = 0;
  std::optional<double> sum;
  std::optional<double> min;
  std::optional<double> max;
  std::int32_t scale = 0;
  double zero_count = 0;
  std::int32_t offset = 0;
  std::span<const double> counts;
  std::int32_t negative_offset = 0;
  std::span<const double> negative_counts;
};

// Fills `datum` with Values/Counts (one representative value per non-empty bucket: the
// bucket's middle, the known min or max for the open-ended ones, the bound itself otherwise) or,
// when `statistics` is asked for, when there are no buckets or more than 150 non-empty ones,
// with a StatisticSet (min/max from the data when known, else estimated from the non-empty
// buckets' bounds, and kept within [min, max] of the mean). Values are multiplied by `factor`
// (unit conversion). Returns false when the interval holds no observation (nothing to send).
bool fill_distribution(const Distribution& d, bool statistics, double factor, MetricDatum& datum);
bool fill_distribution(const ExponentialDistribution& d, bool statistics, double factor,
                       MetricDatum& datum);

}  // namespace vigil::exporters::cloudwatch
