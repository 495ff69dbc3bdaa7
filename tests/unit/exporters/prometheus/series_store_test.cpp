#include "exporters/prometheus/series_store.h"

#include <bit>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::prometheus {
namespace {

using namespace std::chrono_literals;

constexpr FamilyView kLoad{"node_load1", MetricKind::kGauge, "1m load average.", ""};
constexpr FamilyView kCpu{"node_cpu_seconds_total", MetricKind::kCounter,
                          "Seconds the CPUs spent in each mode.", "seconds"};
constexpr FamilyView kLatency{"rpc_duration_seconds", MetricKind::kHistogram, "Latency.",
                              "seconds"};

std::vector<std::string> names_in(const StoredFamily& family) {
  std::vector<std::string> out;
  for (const auto* s : family.series) out.push_back(s->sample_name + s->labels_text);
  return out;
}

class SeriesStoreTest : public ::testing::Test {
 protected:
  void cpu(std::string_view cpu, std::string_view mode, double value, std::int64_t ts = 1000,
           std::int64_t start = 500) {
    const LabelView labels[] = {{"cpu", cpu}, {"mode", mode}};
    store_.sample(kCpu, kCpu.name, labels, value, ts, start);
  }
  void load(double value, std::int64_t ts = 1000) {
    store_.sample(kLoad, kLoad.name, {}, value, ts, 0);
  }
  const StoredSeries& only(std::string_view family) {
    const auto& f = store_.families().at(std::string(family));
    EXPECT_EQ(f.series.size(), 1u);
    return *f.series.front();
  }

  vigil::testing::FakeClock clock_;
  SeriesStore store_{SeriesStoreOptions{}, clock_};
};

TEST_F(SeriesStoreTest, KeepsTheLatestPointPerSeries) {
  store_.begin_batch();
  cpu("0", "idle", 10);
  cpu("0", "user", 2);
  load(0.5);
  BatchOutcome outcome = store_.finish_batch();
  EXPECT_EQ(outcome.stored_samples, 3u);
  EXPECT_EQ(outcome.new_series, 3u);
  EXPECT_EQ(store_.series_count(), 3u);

  store_.begin_batch();
  cpu("0", "idle", 11, 2000, 500);
  load(0.75, 2000);
  outcome = store_.finish_batch();
  EXPECT_EQ(outcome.stored_samples, 2u);
  EXPECT_EQ(outcome.new_series, 0u);
  EXPECT_EQ(store_.series_count(), 3u);
  const StoredSeries& l = only("node_load1");
  EXPECT_EQ(l.value, 0.75);
  EXPECT_EQ(l.timestamp_ms, 2000);
  EXPECT_EQ(l.labels_text, "");
  const auto& family = store_.families().at("node_cpu_seconds_total");
  ASSERT_EQ(family.series.size(), 2u);
  EXPECT_EQ(family.series[0]->labels_text, R"({cpu="0",mode="idle"})");
  EXPECT_EQ(family.series[0]->value, 11);
  EXPECT_EQ(family.series[0]->start_timestamp_ms, 500);
  EXPECT_EQ(family.help, "Seconds the CPUs spent in each mode.");
  EXPECT_EQ(family.unit, "seconds");
}

TEST_F(SeriesStoreTest, IgnoresPointsOlderThanTheOneServed) {
  store_.begin_batch();
  load(2, 5000);
  load(1, 4000);  // reordered or replayed: older than what is stored
  store_.finish_batch();
  EXPECT_EQ(only("node_load1").value, 2);
  store_.begin_batch();
  load(3, 5000);  // the same time again: the newer arrival wins
  store_.finish_batch();
  EXPECT_EQ(only("node_load1").value, 3);
}

TEST_F(SeriesStoreTest, SeriesAreOrderedByLabels) {
  store_.begin_batch();
  cpu("1", "user", 1);
  cpu("0", "user", 1);
  cpu("0", "idle", 1);
  cpu("10", "idle", 1);
  store_.finish_batch();
  EXPECT_EQ(names_in(store_.families().at("node_cpu_seconds_total")),
            (std::vector<std::string>{
                R"(node_cpu_seconds_total{cpu="0",mode="idle"})",
                R"(node_cpu_seconds_total{cpu="0",mode="user"})",
                R"(node_cpu_seconds_total{cpu="1",mode="user"})",
                R"(node_cpu_seconds_total{cpu="10",mode="idle"})",
            }));
}

TEST_F(SeriesStoreTest, HistogramSamplesGroupByPointAndBucketBound) {
  store_.begin_batch();
  // Buckets out of order, two label sets interleaved: the store orders them per point.
  auto h = [&](std::string_view method, std::string_view suffix, std::string_view le, double v) {
    std::vector<LabelView> labels;
    if (!le.empty()) labels.push_back({"le", le});
    labels.push_back({"method", method});
    const std::string name = std::string(kLatency.name) + std::string(suffix);
    store_.sample(kLatency, name, labels, v, 1000, 10);
  };
  h("put", "_count", "", 4);
  h("get", "_bucket", "+Inf", 3);
  h("get", "_bucket", "10", 2);
  h("get", "_bucket", "2.5", 1);
  h("get", "_sum", "", 7.5);
  h("get", "_count", "", 3);
  h("put", "_bucket", "+Inf", 4);
  h("put", "_sum", "", 9);
  h("get", "_bucket", "0.5", 0);
  store_.finish_batch();
  EXPECT_EQ(names_in(store_.families().at("rpc_duration_seconds")),
            (std::vector<std::string>{
                R"(rpc_duration_seconds_bucket{le="0.5",method="get"})",
                R"(rpc_duration_seconds_bucket{le="2.5",method="get"})",
                R"(rpc_duration_seconds_bucket{le="10",method="get"})",
                R"(rpc_duration_seconds_bucket{le="+Inf",method="get"})",
                R"(rpc_duration_seconds_sum{method="get"})",
                R"(rpc_duration_seconds_count{method="get"})",
                R"(rpc_duration_seconds_bucket{le="+Inf",method="put"})",
                R"(rpc_duration_seconds_sum{method="put"})",
                R"(rpc_duration_seconds_count{method="put"})",
            }));
  EXPECT_EQ(store_.families().at("rpc_duration_seconds").series[0]->group(), R"({method="get"})");
}

TEST_F(SeriesStoreTest, StalenessHidesThenExpires) {
  SeriesStore store(SeriesStoreOptions{.staleness = 60s, .max_series = 0}, clock_);
  store.begin_batch();
  store.sample(kLoad, kLoad.name, {}, 1, 1000, 0);
  const LabelView labels[] = {{"cpu", "0"}, {"mode", "idle"}};
  store.sample(kCpu, kCpu.name, labels, 5, 1000, 0);
  store.finish_batch();

  clock_.advance(40s);
  store.begin_batch();
  store.sample(kLoad, kLoad.name, {}, 2, 2000, 0);  // only the load keeps arriving
  store.finish_batch();

  clock_.advance(20s);  // the cpu series is exactly 60 s old: still served
  const StoredSeries& cpu = *store.families().at(std::string(kCpu.name)).series.front();
  EXPECT_TRUE(store.fresh(cpu, clock_.monotonic()));
  EXPECT_EQ(store.expire(clock_.monotonic()), 0u);

  clock_.advance(1ms);  // now older than the window: hidden, and removed by a sweep
  EXPECT_FALSE(store.fresh(cpu, clock_.monotonic()));
  EXPECT_EQ(store.expire(clock_.monotonic()), 1u);
  EXPECT_EQ(store.series_count(), 1u);
  EXPECT_EQ(store.families().count(std::string(kCpu.name)), 0u) << "empty family removed";
  ASSERT_EQ(store.families().count(std::string(kLoad.name)), 1u);

  clock_.advance(41s);  // the load stopped 61 s ago too
  EXPECT_EQ(store.expire(clock_.monotonic()), 1u);
  EXPECT_EQ(store.series_count(), 0u);
  EXPECT_TRUE(store.families().empty());

  // An expired series that comes back is a new series.
  store.begin_batch();
  store.sample(kLoad, kLoad.name, {}, 3, 3000, 0);
  EXPECT_EQ(store.finish_batch().new_series, 1u);
}

TEST_F(SeriesStoreTest, SweepsAtMostEveryQuarterWindow) {
  // A 40 s window sweeps at most every 10 s.
  SeriesStore store(SeriesStoreOptions{.staleness = 40s, .max_series = 0}, clock_);
  auto put = [&](std::string_view name) {
    const FamilyView f{name, MetricKind::kGauge, "", ""};
    store.begin_batch();
    store.sample(f, name, {}, 1, 1000, 0);
    store.finish_batch();
  };
  put("a");                                                // t=0
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 0u);  // sweeps; nothing stale
  clock_.advance(35s);
  put("b");                                                // t=35
  clock_.advance(6s);                                      // t=41: a is stale
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 1u);  // due (10 s passed): a removed
  clock_.advance(35s);                                     // t=76: b is 41 s old
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 1u);  // due again: b removed
  put("c");                                                // t=76
  clock_.advance(9s);
  put("d");             // t=85
  clock_.advance(32s);  // t=117: c stale (41 s)
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 1u);
  clock_.advance(9s);  // t=126: d stale (41 s), not due
  EXPECT_FALSE(store.fresh(*store.families().at("d").series.front(), clock_.monotonic()));
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 0u);
  EXPECT_EQ(store.series_count(), 1u);
  clock_.advance(1s);  // t=127: 10 s since the last sweep
  EXPECT_EQ(store.expire_if_due(clock_.monotonic()), 1u);
  EXPECT_EQ(store.series_count(), 0u);
}

TEST_F(SeriesStoreTest, StalenessMarkerEndsTheSeriesAtOnce) {
  store_.begin_batch();
  cpu("0", "idle", 10);
  cpu("0", "user", 3);
  store_.finish_batch();
  store_.begin_batch();
  cpu("0", "idle", std::bit_cast<double>(kStaleNaN), 2000);
  cpu("1", "idle", std::bit_cast<double>(kStaleNaN), 2000);  // never seen: nothing to end
  const BatchOutcome outcome = store_.finish_batch();
  EXPECT_EQ(outcome.stale_markers, 1u);
  EXPECT_EQ(outcome.rejected_points, 0u);
  EXPECT_EQ(store_.series_count(), 1u);
  EXPECT_EQ(names_in(store_.families().at(std::string(kCpu.name))),
            std::vector<std::string>{R"(node_cpu_seconds_total{cpu="0",mode="user"})"});
  // An ordinary NaN is a value like any other.
  store_.begin_batch();
  load(std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(store_.finish_batch().stored_samples, 1u);
}

TEST_F(SeriesStoreTest, AFamilyKeepsItsFirstTypeAndConflictsAreCounted) {
  store_.begin_batch();
  load(1);
  store_.finish_batch();
  store_.begin_batch();
  const FamilyView as_counter{"node_load1", MetricKind::kCounter, "", ""};
  store_.sample(as_counter, "node_load1", {}, 5, 2000, 0);  // the same series, another type
  const LabelView labels[] = {{"x", "y"}};
  store_.sample(as_counter, "node_load1", labels, 5, 2000, 0);  // a new series of that family
  // A histogram of a conflicting name counts one point per _count sample.
  const FamilyView as_histogram{"node_load1", MetricKind::kHistogram, "", ""};
  const LabelView inf[] = {{"le", "+Inf"}};
  store_.sample(as_histogram, "node_load1_bucket", inf, 1, 2000, 0);
  store_.sample(as_histogram, "node_load1_sum", {}, 1, 2000, 0);
  store_.sample(as_histogram, "node_load1_count", {}, 1, 2000, 0);
  const BatchOutcome outcome = store_.finish_batch();
  EXPECT_EQ(outcome.rejected_points, 3u);
  EXPECT_EQ(outcome.rejected_type_conflict, 3u);
  EXPECT_EQ(outcome.first_conflict, "node_load1");
  EXPECT_EQ(outcome.stored_samples, 0u);
  EXPECT_EQ(only("node_load1").value, 1);
}

TEST_F(SeriesStoreTest, MaxSeriesRefusesNewSeriesOnly) {
  SeriesStore store(SeriesStoreOptions{.staleness = 5min, .max_series = 2}, clock_);
  store.begin_batch();
  for (std::string_view c : {"0", "1", "2", "3"}) {
    const LabelView labels[] = {{"cpu", c}, {"mode", "idle"}};
    store.sample(kCpu, kCpu.name, labels, 1, 1000, 0);
  }
  BatchOutcome outcome = store.finish_batch();
  EXPECT_EQ(outcome.stored_samples, 2u);
  EXPECT_EQ(outcome.rejected_points, 2u);
  EXPECT_EQ(outcome.rejected_series_limit, 2u);
  store.begin_batch();
  const LabelView known[] = {{"cpu", "0"}, {"mode", "idle"}};
  store.sample(kCpu, kCpu.name, known, 2, 2000, 0);  // existing series still update
  outcome = store.finish_batch();
  EXPECT_EQ(outcome.stored_samples, 1u);
  EXPECT_EQ(outcome.rejected_points, 0u);
}

TEST_F(SeriesStoreTest, LabelValuesCannotForgeAnotherSeriesKey) {
  // With a naive "name=value," key these two would collide.
  store_.begin_batch();
  const LabelView a[] = {{"a", "x,b=y"}};
  const LabelView b[] = {{"a", "x"}, {"b", "y"}};
  const FamilyView f{"f", MetricKind::kGauge, "", ""};
  store_.sample(f, "f", a, 1, 1000, 0);
  store_.sample(f, "f", b, 2, 1000, 0);
  store_.finish_batch();
  EXPECT_EQ(store_.series_count(), 2u);
}

TEST_F(SeriesStoreTest, LatestDescriptionAndUnitAreServed) {
  store_.begin_batch();
  load(1);
  store_.finish_batch();
  store_.begin_batch();
  const FamilyView changed{"node_load1", MetricKind::kGauge, "New text.", "ratio"};
  store_.sample(changed, "node_load1", {}, 2, 2000, 0);
  store_.finish_batch();
  const auto& family = store_.families().at("node_load1");
  EXPECT_EQ(family.help, "New text.");
  EXPECT_EQ(family.unit, "ratio");
}

// The store follows each source's order of series from batch to batch (a shortcut past the
// hash lookup); whatever the orders, every sample must land on its own series. Three sources
// send batches that repeat, reorder, drop, add and end (staleness markers) series at random,
// interleaved, with sweeps in between; the store must agree with a plain map after every batch.
TEST_F(SeriesStoreTest, EverySampleLandsOnItsSeriesWhateverTheOrder) {
  std::mt19937 rng(20261122);
  const FamilyView family{"g", MetricKind::kGauge, "", ""};
  std::map<std::string, double> expected;  // label value -> value
  std::vector<std::vector<std::string>> sources(3);
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < 40; ++i) sources[s].push_back(std::to_string(s) + "-" + std::to_string(i));
  }
  std::int64_t ts = 1000;
  for (int round = 0; round < 600; ++round) {
    auto& order = sources[rng() % 3];
    switch (rng() % 6) {
      case 0:
        std::swap(order[rng() % order.size()], order[rng() % order.size()]);
        break;
      case 1:
        order.insert(order.begin() + static_cast<long>(rng() % order.size()),
                     "new-" + std::to_string(round));
        break;
      case 2:
        if (order.size() > 5) order.erase(order.begin() + static_cast<long>(rng() % order.size()));
        break;
      default:
        break;  // the same order again: the common case
    }
    store_.begin_batch();
    ++ts;
    for (const std::string& name : order) {
      const LabelView labels[] = {{"s", name}};
      if (rng() % 50 == 0) {
        store_.sample(family, "g", labels, std::bit_cast<double>(kStaleNaN), ts, 0);
        expected.erase(name);
        continue;
      }
      const double value = static_cast<double>(rng() % 1000);
      store_.sample(family, "g", labels, value, ts, 0);
      expected[name] = value;
    }
    store_.finish_batch();
    if (round % 97 == 0) store_.expire(clock_.monotonic());  // nothing stale: orders reset
    ASSERT_EQ(store_.series_count(), expected.size()) << "round " << round;
    for (const StoredSeries* series : store_.families().at("g").series) {
      const std::string name = series->labels_text.substr(4, series->labels_text.size() - 6);
      ASSERT_EQ(series->value, expected.at(name)) << name << " in round " << round;
    }
  }
}

}  // namespace
}  // namespace vigil::exporters::prometheus
