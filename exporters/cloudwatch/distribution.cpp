#include "exporters/cloudwatch/distribution.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vigil::exporters::cloudwatch {

namespace {

// A non-empty bucket: its value range (open ends as infinities) and count.
struct Bucket {
  double lower;
  double upper;
  double count;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// A representative value for a bucket: its middle; for an open end, the known extreme when it
// lies inside the bucket, else the finite bound.
double representative(const Bucket& b, std::optional<double> min, std::optional<double> max) {
  double lower = b.lower;
  double upper = b.upper;
  if (std::isinf(lower) && min && *min <= upper) lower = *min;
  if (std::isinf(upper) && max && *max >= lower) upper = *max;
  if (std::isinf(lower) && std::isinf(upper)) return 0;
  if (std::isinf(lower)) return upper;
  if (std::isinf(upper)) return lower;
  return lower + (upper - lower) / 2;
}

void fill_statistics(double count, std::optional<double> sum, std::optional<double> min,
                     std::optional<double> max, const std::vector<Bucket>& buckets, double factor,
                     MetricDatum& datum) {
  double estimated_sum = 0;
  double lowest = kInf;
  double highest = -kInf;
  for (const auto& b : buckets) {
    estimated_sum += representative(b, min, max) * b.count;
    lowest = std::min(lowest, std::isinf(b.lower) ? b.upper : b.lower);
    highest = std::max(highest, std::isinf(b.upper) ? b.lower : b.upper);
  }
  const double total = sum.value_or(estimated_sum);
  const double mean = count > 0 ? total / count : 0;
  double lo = min.value_or(std::isfinite(lowest) ? lowest : mean);
  double hi = max.value_or(std::isfinite(highest) ? highest : mean);
  // Estimates from bounds may miss the mean; CloudWatch wants Minimum <= Maximum, and a
  // statistic set whose mean lies outside them would be self-contradictory.
  lo = std::min(lo, mean);
  hi = std::max(hi, mean);
  datum.kind = MetricDatum::Kind::kStatistics;
  datum.statistics = {count, total * factor, lo * factor, hi * factor};
  if (factor < 0) std::swap(datum.statistics.minimum, datum.statistics.maximum);
}

bool fill(double count, std::optional<double> sum, std::optional<double> min,
          std::optional<double> max, const std::vector<Bucket>& buckets, bool statistics,
          double factor, MetricDatum& datum) {
  if (!(count > 0)) return false;
  if (statistics || buckets.empty() || buckets.size() > kMaxValuesPerDatum) {
    fill_statistics(count, sum, min, max, buckets, factor, datum);
    return true;
  }
  datum.kind = MetricDatum::Kind::kValues;
  datum.values.clear();
  datum.counts.clear();
  for (const auto& b : buckets) {
    datum.values.push_back(representative(b, min, max) * factor);
    datum.counts.push_back(b.count);
  }
  return true;
}

}  // namespace

bool fill_distribution(const Distribution& d, bool statistics, double factor, MetricDatum& datum) {
  std::vector<Bucket> buckets;
  if (!d.bounds.empty() && d.counts.size() == d.bounds.size() + 1) {
    for (std::size_t i = 0; i < d.counts.size(); ++i) {
      if (!(d.counts[i] > 0)) continue;
      buckets.push_back({i == 0 ? -kInf : d.bounds[i - 1],
                         i == d.bounds.size() ? kInf : d.bounds[i], d.counts[i]});
    }
  }
  return fill(d.count, d.sum, d.min, d.max, buckets, statistics, factor, datum);
}

bool fill_distribution(const ExponentialDistribution& d, bool statistics, double factor,
                       MetricDatum& datum) {
  auto boundary = [&](std::int64_t index) {
    return std::exp2(static_cast<double>(index) * std::exp2(-static_cast<double>(d.scale)));
  };
  std::vector<Bucket> buckets;
  // Negative buckets from the most negative up, so values come out in ascending order.
  for (std::size_t i = d.negative_counts.size(); i-- > 0;) {
    if (!(d.negative_counts[i] > 0)) continue;
    const std::int64_t index = d.negative_offset + static_cast<std::int64_t>(i);
    buckets.push_back({-boundary(index + 1), -boundary(index), d.negative_counts[i]});
  }
  if (d.zero_count > 0) buckets.push_back({0, 0, d.zero_count});
  for (std::size_t i = 0; i < d.counts.size(); ++i) {
    if (!(d.counts[i] > 0)) continue;
    const std::int64_t index = d.offset + static_cast<std::int64_t>(i);
    buckets.push_back({boundary(index), boundary(index + 1), d.counts[i]});
  }
  return fill(d.count, d.sum, d.min, d.max, buckets, statistics, factor, datum);
}

}  // namespace vigil::exporters::cloudwatch
