#include "exporters/cloudwatch/distribution.h"

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

TEST(Distribution, EmptyIntervalSendsNothing) {
  MetricDatum d;
  const std::vector<double> bounds{1, 2};
  const std::vector<double> counts{0, 0, 0};
  EXPECT_FALSE(fill_distribution(Distribution{0, 0.0, {}, {}, bounds, counts}, false, 1, d));
}

TEST(Distribution, NoBucketsGiveStatisticsFromCountSumMinMax) {
  MetricDatum d;
  ASSERT_TRUE(fill_distribution(Distribution{4, 10.0, 1.0, 5.0, {}, {}}, false, 2, d));
  EXPECT_EQ(d.kind, MetricDatum::Kind::kStatistics);
  EXPECT_EQ(d.statistics, (StatisticSet{4, 20, 2, 10}));
  // Without min and max: the mean stands for both.
  ASSERT_TRUE(fill_distribution(Distribution{4, 10.0, {}, {}, {}, {}}, false, 1, d));
  EXPECT_EQ(d.statistics, (StatisticSet{4, 10, 2.5, 2.5}));
}

TEST(Distribution, MoreThan150BucketsFallBackToStatistics) {
  std::vector<double> bounds, counts;
  for (int i = 0; i < 200; ++i) bounds.push_back(i + 1);
  for (int i = 0; i <= 200; ++i) counts.push_back(1);
  MetricDatum d;
  ASSERT_TRUE(
      fill_distribution(Distribution{201, std::nullopt, {}, {}, bounds, counts}, false, 1, d));
  EXPECT_EQ(d.kind, MetricDatum::Kind::kStatistics);
  EXPECT_DOUBLE_EQ(d.statistics.sample_count, 201);
  EXPECT_DOUBLE_EQ(d.statistics.minimum, 1);    // upper bound of (-inf, 1]
  EXPECT_DOUBLE_EQ(d.statistics.maximum, 200);  // lower bound of (200, +inf)
  EXPECT_LE(d.statistics.minimum, d.statistics.sum / d.statistics.sample_count);
  EXPECT_GE(d.statistics.maximum, d.statistics.sum / d.statistics.sample_count);
}

TEST(Distribution, StatisticsStayAroundTheMeanWhenBoundsMissIt) {
  // All observations in (10, 20] but the reported sum says mean 50: min/max widen to hold it.
  const std::vector<double> bounds{10, 20};
  const std::vector<double> counts{0, 2, 0};
  MetricDatum d;
  ASSERT_TRUE(fill_distribution(Distribution{2, 100.0, {}, {}, bounds, counts}, true, 1, d));
  EXPECT_EQ(d.statistics, (StatisticSet{2, 100, 10, 50}));
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
