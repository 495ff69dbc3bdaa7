// Delta sums and histograms become cumulative per series: accumulation, start times, resets,
// out-of-order points, the state bound, and exponential histograms across scale changes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exporters/prometheus/cumulative_state.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using testing::Attrs;
using ::testing::ElementsAre;
using testing::kSecond;
using testing::kT0;
using testing::kT0Ms;
using testing::RequestBuilder;
namespace pb_metrics = testing::pb_metrics;

// One delta monotonic sum point of `requests{route}` covering (start, t].
RequestBuilder delta_point(double value, std::uint64_t start, std::uint64_t t,
                           const std::string& route = "/a") {
  RequestBuilder request;
  request.sum("requests", "{request}", {{"route", route}}, value, true, true, start, t);
  return request;
}

TEST(TranslationDelta, SumsAccumulatePerSeries) {
  Translator translator(testing::plain_options());
  auto s1 = testing::translate(translator, delta_point(5, kT0, kT0 + 10 * kSecond));
  auto s2 = testing::translate(translator, delta_point(3, kT0 + 10 * kSecond, kT0 + 20 * kSecond));
  auto other =
      testing::translate(translator, delta_point(7, kT0 + 10 * kSecond, kT0 + 20 * kSecond, "/b"));
  auto s3 = testing::translate(translator, delta_point(0, kT0 + 20 * kSecond, kT0 + 30 * kSecond));
  EXPECT_THAT(s1.lines(), ElementsAre(R"(requests_total{route="/a"} 5)"));
  EXPECT_THAT(s2.lines(), ElementsAre(R"(requests_total{route="/a"} 8)"));
  EXPECT_THAT(other.lines(), ElementsAre(R"(requests_total{route="/b"} 7)"));
  EXPECT_THAT(s3.lines(), ElementsAre(R"(requests_total{route="/a"} 8)"));
  // The cumulative series starts where the first delta started.
  EXPECT_EQ(s3.samples[0].start_ms, kT0Ms);
  EXPECT_EQ(s3.samples[0].timestamp_ms, kT0Ms + 30'000);
  EXPECT_EQ(other.samples[0].start_ms, kT0Ms + 10'000);
  EXPECT_EQ(translator.delta_series(), 2u);
}

TEST(TranslationDelta, NonMonotonicDeltasSumToTheCurrentValue) {
  Translator translator(testing::plain_options());
  auto request = [](double v, std::uint64_t t) {
    RequestBuilder r;
    r.sum("queue.items", "{item}", {}, v, false, true, t - 10 * kSecond, t);
    return r;
  };
  testing::translate(translator, request(10, kT0));
  auto sink = testing::translate(translator, request(-4, kT0 + 10 * kSecond));
  EXPECT_THAT(sink.lines(), ElementsAre("queue_items 6"));
  EXPECT_EQ(sink.samples[0].kind, MetricKind::kGauge);
}

TEST(TranslationDelta, OutOfOrderAndDuplicatePointsAreDroppedAndCounted) {
  Translator translator(testing::plain_options());
  testing::translate(translator, delta_point(5, kT0, kT0 + 20 * kSecond));
  TranslationStats stats;
  auto late = testing::translate(translator, delta_point(3, kT0, kT0 + 10 * kSecond), &stats);
  EXPECT_TRUE(late.samples.empty());
  EXPECT_EQ(stats.dropped_out_of_order, 1u);
  auto again = testing::translate(translator, delta_point(3, kT0, kT0 + 20 * kSecond), &stats);
  EXPECT_TRUE(again.samples.empty());
  EXPECT_EQ(stats.dropped_out_of_order, 1u);
  auto next =
      testing::translate(translator, delta_point(1, kT0 + 20 * kSecond, kT0 + 30 * kSecond));
  EXPECT_THAT(next.lines(), ElementsAre(R"(requests_total{route="/a"} 6)"));
}

TEST(TranslationDelta, ASeriesSilentForTheTtlStartsOver) {
  TranslationOptions options = testing::plain_options();
  options.delta_state_ttl = std::chrono::minutes(5);
  Translator translator(options);
  testing::translate(translator, delta_point(5, kT0, kT0 + 10 * kSecond));
  testing::translate(translator, delta_point(5, kT0 + 10 * kSecond, kT0 + 20 * kSecond));
  // Ten minutes later: the total restarts from this delta, with its own start (a reset).
  const std::uint64_t later = kT0 + 620 * kSecond;
  auto sink = testing::translate(translator, delta_point(2, later - 10 * kSecond, later));
  EXPECT_THAT(sink.lines(), ElementsAre(R"(requests_total{route="/a"} 2)"));
  EXPECT_EQ(sink.samples[0].start_ms, kT0Ms + 610'000);
}

TEST(TranslationDelta, ExpiredSeriesAreForgotten) {
  TranslationOptions options = testing::plain_options();
  options.delta_state_ttl = std::chrono::minutes(1);
  Translator translator(options);
  for (int i = 0; i < 10; ++i) {
    testing::translate(translator, delta_point(1, kT0, kT0 + kSecond, "/r" + std::to_string(i)));
  }
  EXPECT_EQ(translator.delta_series(), 10u);
  // Data time moves on by two TTLs with only one series alive.
  for (int s = 2; s <= 120; s += 10) {
    testing::translate(translator,
                       delta_point(1, kT0 + (s - 1) * kSecond, kT0 + s * kSecond, "/live"));
  }
  EXPECT_EQ(translator.delta_series(), 1u);
}

TEST(TranslationDelta, StateIsBounded) {
  TranslationOptions options = testing::plain_options();
  options.max_delta_series = 2;
  Translator translator(options);
  TranslationStats stats;
  testing::translate(translator, delta_point(1, kT0, kT0 + kSecond, "/a"));
  testing::translate(translator, delta_point(1, kT0, kT0 + kSecond, "/b"));
  auto third = testing::translate(translator, delta_point(1, kT0, kT0 + kSecond, "/c"), &stats);
  EXPECT_TRUE(third.samples.empty());
  EXPECT_EQ(stats.dropped_state_full, 1u);
  // Known series carry on.
  auto known = testing::translate(translator, delta_point(1, kT0 + kSecond, kT0 + 2 * kSecond));
  EXPECT_THAT(known.lines(), ElementsAre(R"(requests_total{route="/a"} 2)"));
}

TEST(TranslationDelta, HistogramsAccumulateAndResetOnNewBounds) {
  Translator translator(testing::plain_options());
  auto request = [](std::vector<double> bounds, std::vector<std::uint64_t> counts, double sum,
                    std::uint64_t t) {
    RequestBuilder r;
    r.histogram("latency", "s", {}, std::move(bounds), std::move(counts), sum, true, t,
                t - 10 * kSecond);
    return r;
  };
  testing::translate(translator, request({1, 2}, {1, 0, 2}, 7, kT0 + 10 * kSecond));
  auto sink = testing::translate(translator, request({1, 2}, {0, 3, 1}, 6, kT0 + 20 * kSecond));
  EXPECT_THAT(sink.lines(), ElementsAre(R"(latency_seconds_bucket{le="1"} 1)",
                                        R"(latency_seconds_bucket{le="2"} 4)",
                                        R"(latency_seconds_bucket{le="+Inf"} 7)",
                                        "latency_seconds_sum 13", "latency_seconds_count 7"));
  EXPECT_EQ(sink.samples[0].start_ms, kT0Ms);
  // New bounds: the old totals cannot continue; the series starts over.
  sink = testing::translate(translator, request({5}, {2, 1}, 9, kT0 + 30 * kSecond));
  EXPECT_THAT(sink.lines(), ElementsAre(R"(latency_seconds_bucket{le="5"} 2)",
                                        R"(latency_seconds_bucket{le="+Inf"} 3)",
                                        "latency_seconds_sum 9", "latency_seconds_count 3"));
  EXPECT_EQ(sink.samples[0].start_ms, kT0Ms + 20'000);
}

TEST(TranslationDelta, ExponentialHistogramsMergeAcrossScales) {
  Translator translator(testing::plain_options());
  auto request = [](std::int32_t scale, std::int32_t offset, std::vector<std::uint64_t> counts,
                    std::uint64_t t) {
    RequestBuilder r;
    auto* e = r.metric("size", "By")->mutable_exponential_histogram();
    e->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
    auto* p = e->add_data_points();
    p->set_start_time_unix_nano(t - 10 * kSecond);
    p->set_time_unix_nano(t);
    p->set_scale(scale);
    p->mutable_positive()->set_offset(offset);
    std::uint64_t count = 0;
    for (auto c : counts) {
      p->mutable_positive()->add_bucket_counts(c);
      count += c;
    }
    p->set_count(count);
    p->set_sum(static_cast<double>(count));
    return r;
  };
  // Scale 1: indexes 2,3 = (2, 2.83], (2.83, 4].
  testing::translate(translator, request(1, 2, {1, 1}, kT0 + 10 * kSecond));
  // Scale 0: index 2 = (4, 8]. The total drops to scale 0: (2,4] holds 2, (4,8] holds 5.
  auto sink = testing::translate(translator, request(0, 2, {5}, kT0 + 20 * kSecond));
  EXPECT_THAT(
      sink.lines(),
      ElementsAre(R"(size_bytes_bucket{le="4"} 2)", R"(size_bytes_bucket{le="8"} 7)",
                  R"(size_bytes_bucket{le="+Inf"} 7)", "size_bytes_sum 7", "size_bytes_count 7"));
}

TEST(CumulativeState, ExponentialMergeStaysBounded) {
  CumulativeState state(std::chrono::minutes(5), 10);
  ExponentialHistogramValue a;
  a.scale = 20;
  a.positive.offset = -2'000'000'000;
  a.positive.counts = {1};
  a.count = 1;
  ExponentialHistogramValue b = a;
  b.positive.offset = 2'000'000'000;
  const ExponentialHistogramValue* total = nullptr;
  std::uint64_t start = 0;
  ASSERT_EQ(state.add_exponential("k", kT0, kT0 + 1, a, total, start),
            CumulativeState::Outcome::kStarted);
  ASSERT_EQ(state.add_exponential("k", kT0, kT0 + 2, b, total, start),
            CumulativeState::Outcome::kAccumulated);
  EXPECT_LE(total->positive.counts.size(), kMaxExponentialBuckets);
  EXPECT_LT(total->scale, 20);
  std::uint64_t n = 0;
  for (auto c : total->positive.counts) n += c;
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(total->count, 2u);
}

TEST(CumulativeState, ExponentialBucketsWidenOnEitherSideAndAddWithin) {
  CumulativeState state(std::chrono::minutes(5), 10);
  auto value = [](std::int32_t offset, std::vector<std::uint64_t> counts) {
    ExponentialHistogramValue v;
    v.positive.offset = offset;
    v.positive.counts = std::move(counts);
    for (auto c : v.positive.counts) v.count += c;
    return v;
  };
  const ExponentialHistogramValue* total = nullptr;
  std::uint64_t start = 0;
  std::uint64_t t = kT0;
  ASSERT_EQ(state.add_exponential("k", kT0, ++t, value(5, {1, 1}), total, start),
            CumulativeState::Outcome::kStarted);
  state.add_exponential("k", kT0, ++t, value(3, {2}), total, start);        // before
  state.add_exponential("k", kT0, ++t, value(8, {4}), total, start);        // after
  state.add_exponential("k", kT0, ++t, value(4, {1, 1, 1}), total, start);  // within
  EXPECT_EQ(total->positive.offset, 3);
  EXPECT_EQ(total->positive.counts, (std::vector<std::uint64_t>{2, 1, 2, 2, 0, 4}));
  EXPECT_EQ(total->count, 11u);
  EXPECT_TRUE(total->negative.counts.empty());
}

TEST(CumulativeState, ATypeChangeStartsOver) {
  CumulativeState state(std::chrono::minutes(5), 10);
  double total = 0;
  std::uint64_t start = 0;
  ASSERT_EQ(state.add_sum("k", kT0, kT0 + 1, 4, total, start), CumulativeState::Outcome::kStarted);
  HistogramValue h;
  h.counts = {1};
  h.count = 1;
  const HistogramValue* ht = nullptr;
  EXPECT_EQ(state.add_histogram("k", kT0, kT0 + 2, h, ht, start),
            CumulativeState::Outcome::kStarted);
  EXPECT_EQ(state.add_sum("k", kT0, kT0 + 3, 1, total, start), CumulativeState::Outcome::kStarted);
  EXPECT_EQ(total, 1);
  // Without a start time the series starts at its first point's time.
  EXPECT_EQ(state.add_sum("j", 0, kT0 + 9, 1, total, start), CumulativeState::Outcome::kStarted);
  EXPECT_EQ(start, kT0 + 9);
}

}  // namespace
}  // namespace vigil::exporters::prometheus
