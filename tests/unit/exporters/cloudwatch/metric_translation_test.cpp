#include "exporters/cloudwatch/metric_translation.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/unit/exporters/cloudwatch/metrics_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::cloudwatch {
namespace {

using namespace testing;
using vigil::testing::FakeClock;

constexpr std::uint64_t kSecond = 1'000'000'000;

struct Fixture {
  FakeClock clock;
  CounterState state{std::chrono::minutes(15)};
  TranslationOptions options;
  std::unique_ptr<MetricTranslator> translator;

  Fixture() { options.dimensions = {"device", "service.name"}; }
  MetricTranslator& t() {
    if (!translator) translator = std::make_unique<MetricTranslator>(options, state);
    return *translator;
  }
  std::uint64_t now() const { return static_cast<std::uint64_t>(clock.unix_nanos()); }
  Translation run(const std::string& payload) {
    auto r = t().translate(payload, clock.unix_nanos());
    EXPECT_TRUE(r.has_value());
    return r ? std::move(*r) : Translation{};
  }
};

TEST(MetricTranslation, GaugeBecomesOneDatumWithHostAndAllowedDimensions) {
  Fixture f;
  auto out = f.run(gauge_request("system.filesystem.usage", f.now(), 42.5,
                                 {{"device", "sda1"}, {"mode", "rw"}}, "By"));
  ASSERT_EQ(out.datums.size(), 1u);
  const auto& d = out.datums[0];
  EXPECT_EQ(d.name, "system.filesystem.usage");
  EXPECT_EQ(d.unit, "Bytes");
  EXPECT_EQ(d.kind, MetricDatum::Kind::kValue);
  EXPECT_DOUBLE_EQ(d.value, 42.5);
  EXPECT_EQ(d.timestamp_ms, f.clock.unix_nanos() / 1'000'000);
  EXPECT_EQ(d.dimensions, (std::vector<Dimension>{{"host", "web-1"}, {"device", "sda1"}}));
  EXPECT_EQ(d.storage_resolution, 60);  // one point: interval unknown
}

TEST(MetricTranslation, DimensionsComeFromPointThenResourceAndSkipEmptyValues) {
  Fixture f;
  f.options.dimensions = {"service.name", "device", "empty"};
  Request request;
  auto* scope = new_scope(request, "h", {{"service.name", "api"}, {"device", "resource-dev"}});
  auto* gauge = add_metric(scope, "g", "1")->mutable_gauge();
  add_number(gauge->mutable_data_points(), 0, f.now(), 1,
             {{"device", "point-dev"}, {"empty", " "}});
  auto out = f.run(request.SerializeAsString());
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(
      out.datums[0].dimensions,
      (std::vector<Dimension>{{"host", "h"}, {"service.name", "api"}, {"device", "point-dev"}}));
}

TEST(MetricTranslation, NeverMoreThanThirtyDimensions) {
  Fixture f;
  f.options.dimensions.clear();
  Attributes attributes;
  for (int i = 0; i < 40; ++i) {
    f.options.dimensions.push_back("a" + std::to_string(i));
    attributes.emplace_back("a" + std::to_string(i), "v");
  }
  auto out = f.run(gauge_request("g", f.now(), 1, attributes));
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(out.datums[0].dimensions.size(), kMaxDimensions);
  EXPECT_EQ(out.datums[0].dimensions[0].name, "host");
  EXPECT_EQ(out.stats.dimensions_cut, 1u);
}

TEST(MetricTranslation, DimensionValuesAreMadePrintableAsciiAndCut) {
  Fixture f;
  auto out =
      f.run(gauge_request("g", f.now(), 1, {{"device", "caf\xc3\xa9\n" + std::string(2000, 'x')}}));
  ASSERT_EQ(out.datums.size(), 1u);
  const auto& v = out.datums[0].dimensions[1].value;
  EXPECT_EQ(v.size(), kMaxDimensionValueLength);
  EXPECT_EQ(v.substr(0, 7), "caf___x");
}

TEST(MetricTranslation, CounterBecomesDeltasAcrossAResetWithoutNegativeOrHugeValues) {
  Fixture f;
  const std::uint64_t start = f.now() - 3600 * kSecond;
  auto first =
      f.run(counter_request("system.network.io", start, f.now(), 1'000'000, {{"device", "eth0"}}));
  EXPECT_TRUE(first.datums.empty());  // baseline only
  EXPECT_EQ(first.stats.baselines, 1u);
  EXPECT_EQ(first.updates.size(), 1u);

  f.clock.advance(std::chrono::seconds(10));
  auto second =
      f.run(counter_request("system.network.io", start, f.now(), 1'002'048, {{"device", "eth0"}}));
  ASSERT_EQ(second.datums.size(), 1u);
  EXPECT_DOUBLE_EQ(second.datums[0].value, 2048);
  EXPECT_EQ(second.datums[0].unit, "Bytes");
  EXPECT_EQ(second.datums[0].storage_resolution, 1);  // 10 s apart

  // The interface was reset: the counter restarts near zero.
  f.clock.advance(std::chrono::seconds(10));
  auto reset =
      f.run(counter_request("system.network.io", start, f.now(), 100, {{"device", "eth0"}}));
  EXPECT_TRUE(reset.datums.empty());
  EXPECT_EQ(reset.stats.resets, 1u);

  f.clock.advance(std::chrono::seconds(10));
  auto after =
      f.run(counter_request("system.network.io", start, f.now(), 612, {{"device", "eth0"}}));
  ASSERT_EQ(after.datums.size(), 1u);
  EXPECT_DOUBLE_EQ(after.datums[0].value, 512);
}

// An agent restart: a new translator whose state was loaded from what the old one delivered.
TEST(MetricTranslation, CounterContinuesAfterARestartFromThePersistedState) {
  Fixture before;
  const std::uint64_t start = before.now() - 3600 * kSecond;
  auto a = before.run(counter_request("c", start, before.now(), 500));
  before.state.commit(a.updates);
  before.clock.advance(std::chrono::seconds(60));
  auto b = before.run(counter_request("c", start, before.now(), 800));
  ASSERT_EQ(b.datums.size(), 1u);
  EXPECT_DOUBLE_EQ(b.datums[0].value, 300);
  EXPECT_EQ(b.datums[0].storage_resolution, 60);
  before.state.commit(b.updates);
  const std::string saved = before.state.serialize();

  Fixture after;
  after.clock = before.clock;
  after.clock.advance(std::chrono::seconds(60));
  ASSERT_TRUE(after.state.load(saved, after.clock.unix_nanos()).has_value());
  auto c = after.run(counter_request("c", start, after.now(), 1000));
  ASSERT_EQ(c.datums.size(), 1u) << "the first point after a restart is a delta, not a baseline";
  EXPECT_DOUBLE_EQ(c.datums[0].value, 200);

  // Without the state, the same point is only a baseline (never the whole 1000 at once).
  Fixture fresh;
  fresh.clock = after.clock;
  auto d = fresh.run(counter_request("c", start, fresh.now(), 1000));
  EXPECT_TRUE(d.datums.empty());
}

TEST(MetricTranslation, RateModeDividesByTheIntervalAndUsesPerSecondUnits) {
  Fixture f;
  f.options.counter_mode = CounterMode::kRate;
  const std::uint64_t start = f.now() - kSecond;
  f.run(counter_request("c", start, f.now(), 0));
  f.clock.advance(std::chrono::seconds(20));
  auto out = f.run(counter_request("c", start, f.now(), 4000));
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_DOUBLE_EQ(out.datums[0].value, 200);
  EXPECT_EQ(out.datums[0].unit, "Bytes/Second");
}

TEST(MetricTranslation, DeltaAndNonMonotonicSumsPassThrough) {
  Fixture f;
  Request request;
  auto* scope = new_scope(request);
  auto* delta = add_metric(scope, "requests", "{request}")->mutable_sum();
  delta->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_DELTA);
  delta->set_is_monotonic(true);
  add_number(delta->mutable_data_points(), f.now() - 5 * kSecond, f.now(), 7);
  auto* updown = add_metric(scope, "queue", "{item}")->mutable_sum();
  updown->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  updown->set_is_monotonic(false);
  add_number(updown->mutable_data_points(), f.now() - 5 * kSecond, f.now(), -3);
  auto out = f.run(request.SerializeAsString());
  ASSERT_EQ(out.datums.size(), 2u);
  EXPECT_DOUBLE_EQ(out.datums[0].value, 7);
  EXPECT_EQ(out.datums[0].unit, "Count");
  EXPECT_EQ(out.datums[0].storage_resolution, 1);  // start to time: 5 s
  EXPECT_DOUBLE_EQ(out.datums[1].value, -3);
  EXPECT_TRUE(out.updates.empty());
}

TEST(MetricTranslation, InvalidOldAndFuturePointsAreDroppedAndCounted) {
  Fixture f;
  Request request;
  auto* gauge = add_metric(new_scope(request), "g", "1")->mutable_gauge();
  add_number(gauge->mutable_data_points(), 0, f.now(), std::nan(""));
  add_number(gauge->mutable_data_points(), 0, f.now(), INFINITY);
  add_number(gauge->mutable_data_points(), 0, f.now(), std::ldexp(1.0, 361));
  add_number(gauge->mutable_data_points(), 0, f.now() - 15ULL * 24 * 3600 * kSecond, 1);
  add_number(gauge->mutable_data_points(), 0, f.now() + 3ULL * 3600 * kSecond, 1);
  add_number(gauge->mutable_data_points(), 0, f.now(), std::ldexp(1.0, 360));
  auto* flagged = add_number(gauge->mutable_data_points(), 0, f.now(), 5);
  flagged->set_flags(pb::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
  auto out = f.run(request.SerializeAsString());
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(out.stats.invalid, 3u);
  EXPECT_EQ(out.stats.too_old, 1u);
  EXPECT_EQ(out.stats.too_new, 1u);
  EXPECT_EQ(out.stats.empty, 1u);
}

TEST(MetricTranslation, UnitsAreConvertedWithTheirFactor) {
  Fixture f;
  auto out = f.run(gauge_request("latency", f.now(), 2500, {}, "ns"));
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(out.datums[0].unit, "Microseconds");
  EXPECT_DOUBLE_EQ(out.datums[0].value, 2.5);
  auto kib = f.run(gauge_request("mem", f.now(), 2, {}, "KiBy"));
  EXPECT_EQ(kib.datums[0].unit, "Bytes");
  EXPECT_DOUBLE_EQ(kib.datums[0].value, 2048);
}

TEST(MetricTranslation, StorageResolutionAutoFollowsTheObservedIntervalUnlessFixed) {
  Fixture f;
  f.run(gauge_request("g", f.now(), 1));
  f.clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(f.run(gauge_request("g", f.now(), 1)).datums[0].storage_resolution, 1);
  f.clock.advance(std::chrono::seconds(60));
  EXPECT_EQ(f.run(gauge_request("g", f.now(), 1)).datums[0].storage_resolution, 60);

  Fixture high;
  high.options.resolution = ResolutionMode::kHigh;
  EXPECT_EQ(high.run(gauge_request("g", high.now(), 1)).datums[0].storage_resolution, 1);
}

TEST(MetricTranslation, CumulativeHistogramBecomesValuesAndCountsOfTheInterval) {
  Fixture f;
  const std::uint64_t start = f.now() - kSecond;
  auto histogram = [&](std::vector<std::uint64_t> counts, double sum, std::uint64_t time) {
    Request request;
    auto* h = add_metric(new_scope(request), "duration", "ms")->mutable_histogram();
    h->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
    auto* p = h->add_data_points();
    p->set_start_time_unix_nano(start);
    p->set_time_unix_nano(time);
    std::uint64_t total = 0;
    for (auto c : counts) {
      p->add_bucket_counts(c);
      total += c;
    }
    p->set_count(total);
    p->set_sum(sum);
    for (double b : {10.0, 20.0, 40.0}) p->add_explicit_bounds(b);
    p->set_min(1);  // lifetime min/max: not the interval's
    p->set_max(100);
    return request.SerializeAsString();
  };
  EXPECT_TRUE(f.run(histogram({1, 1, 0, 0}, 20, f.now())).datums.empty());
  f.clock.advance(std::chrono::seconds(30));
  auto out = f.run(histogram({1, 4, 2, 1}, 190, f.now()));
  ASSERT_EQ(out.datums.size(), 1u);
  const auto& d = out.datums[0];
  EXPECT_EQ(d.unit, "Milliseconds");
  ASSERT_EQ(d.kind, MetricDatum::Kind::kValues);
  EXPECT_EQ(d.values, (std::vector<double>{15, 30, 40}));
  EXPECT_EQ(d.counts, (std::vector<double>{3, 2, 1}));

  Fixture stats;
  stats.options.histogram_mode = HistogramMode::kStatistics;
  stats.clock = f.clock;
  stats.run(histogram({1, 1, 0, 0}, 20, stats.now()));
  stats.clock.advance(std::chrono::seconds(30));
  auto s = stats.run(histogram({1, 4, 2, 1}, 190, stats.now()));
  ASSERT_EQ(s.datums.size(), 1u);
  ASSERT_EQ(s.datums[0].kind, MetricDatum::Kind::kStatistics);
  EXPECT_DOUBLE_EQ(s.datums[0].statistics.sample_count, 6);
  EXPECT_DOUBLE_EQ(s.datums[0].statistics.sum, 170);
  EXPECT_DOUBLE_EQ(s.datums[0].statistics.minimum, 10);  // lower bound of (10, 20]
  EXPECT_DOUBLE_EQ(s.datums[0].statistics.maximum, 40);  // lower bound of (40, +inf)
}

TEST(MetricTranslation, DeltaHistogramUsesItsOwnMinAndMax) {
  Fixture f;
  f.options.histogram_mode = HistogramMode::kStatistics;
  Request request;
  auto* h = add_metric(new_scope(request), "size", "By")->mutable_histogram();
  h->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_DELTA);
  auto* p = h->add_data_points();
  p->set_time_unix_nano(f.now());
  p->set_count(4);
  p->set_sum(100);
  p->set_min(3);
  p->set_max(60);
  auto out = f.run(request.SerializeAsString());
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(out.datums[0].statistics, (StatisticSet{4, 100, 3, 60}));
}

TEST(MetricTranslation, ExponentialHistogramValuesAscend) {
  Fixture f;
  Request request;
  auto* h = add_metric(new_scope(request), "e", "s")->mutable_exponential_histogram();
  h->set_aggregation_temporality(pb::AGGREGATION_TEMPORALITY_DELTA);
  auto* p = h->add_data_points();
  p->set_time_unix_nano(f.now());
  p->set_scale(0);  // base 2
  p->set_count(6);
  p->set_zero_count(1);
  p->mutable_positive()->set_offset(1);  // (2, 4], (4, 8]
  p->mutable_positive()->add_bucket_counts(2);
  p->mutable_positive()->add_bucket_counts(1);
  p->mutable_negative()->set_offset(0);  // [-2, -1)
  p->mutable_negative()->add_bucket_counts(2);
  auto out = f.run(request.SerializeAsString());
  ASSERT_EQ(out.datums.size(), 1u);
  EXPECT_EQ(out.datums[0].values, (std::vector<double>{-1.5, 0, 3, 6}));
  EXPECT_EQ(out.datums[0].counts, (std::vector<double>{2, 1, 2, 1}));
}

TEST(MetricTranslation, SummaryBecomesQuantilesAndCountAndSumDeltas) {
  Fixture f;
  const std::uint64_t start = f.now() - kSecond;
  auto summary = [&](std::uint64_t count, double sum) {
    Request request;
    auto* s = add_metric(new_scope(request), "rpc", "s")->mutable_summary();
    auto* p = s->add_data_points();
    p->set_start_time_unix_nano(start);
    p->set_time_unix_nano(f.now());
    p->set_count(count);
    p->set_sum(sum);
    auto* q = p->add_quantile_values();
    q->set_quantile(0.99);
    q->set_value(0.5);
    return request.SerializeAsString();
  };
  auto first = f.run(summary(10, 2));
  ASSERT_EQ(first.datums.size(), 1u);  // the quantile; count and sum are a baseline
  // The quantile comes first, so the 30-dimension cut can never drop it.
  EXPECT_EQ(first.datums[0].dimensions.front(), (Dimension{"quantile", "0.99"}));
  f.clock.advance(std::chrono::seconds(10));
  auto second = f.run(summary(15, 3.5));
  ASSERT_EQ(second.datums.size(), 3u);
  EXPECT_EQ(second.datums[1].name, "rpc.count");
  EXPECT_DOUBLE_EQ(second.datums[1].value, 5);
  EXPECT_EQ(second.datums[2].name, "rpc.sum");
  EXPECT_DOUBLE_EQ(second.datums[2].value, 1.5);
  EXPECT_EQ(second.datums[2].unit, "Seconds");
}

TEST(MetricTranslation, RepeatedPointIsCountedAsADuplicate) {
  Fixture f;
  const std::uint64_t start = f.now() - kSecond;
  f.run(counter_request("c", start, f.now(), 1));
  auto again = f.run(counter_request("c", start, f.now(), 1));
  EXPECT_TRUE(again.datums.empty());
  EXPECT_EQ(again.stats.duplicates, 1u);
  EXPECT_TRUE(again.updates.empty());
}

TEST(MetricTranslation, NotAMetricsRequestIsAnError) {
  Fixture f;
  EXPECT_FALSE(f.t().translate("\xff\xff\xff", f.clock.unix_nanos()).has_value());
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
