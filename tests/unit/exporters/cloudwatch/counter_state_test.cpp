#include "exporters/cloudwatch/counter_state.h"

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'700'000'000 * kSecond;

SeriesPoint sum(std::int64_t start, std::int64_t time, double value) {
  SeriesPoint p;
  p.start_ns = start;
  p.time_ns = time;
  p.value = value;
  return p;
}

CounterState make_state() { return CounterState(std::chrono::minutes(15)); }

TEST(CounterState, FirstPointIsABaselineThenDeltas) {
  auto state = make_state();
  auto first = state.advance("s", sum(kT0, kT0 + 10 * kSecond, 100));
  EXPECT_EQ(first.outcome, DeltaOutcome::kBaseline);
  auto second = state.advance("s", sum(kT0, kT0 + 20 * kSecond, 130));
  ASSERT_EQ(second.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(second.delta.value, 30);
  EXPECT_DOUBLE_EQ(second.elapsed_seconds, 10);
  EXPECT_EQ(second.delta.start_ns, kT0 + 10 * kSecond);
  EXPECT_EQ(second.delta.time_ns, kT0 + 20 * kSecond);
  auto third = state.advance("s", sum(kT0, kT0 + 30 * kSecond, 130));
  ASSERT_EQ(third.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(third.delta.value, 0);
}

TEST(CounterState, AValueThatGoesDownIsAResetNotANegativeDelta) {
  auto state = make_state();
  state.advance("s", sum(0, kT0, 1000));
  state.advance("s", sum(0, kT0 + 10 * kSecond, 1500));
  auto reset = state.advance("s", sum(0, kT0 + 20 * kSecond, 40));
  EXPECT_EQ(reset.outcome, DeltaOutcome::kReset);
  auto after = state.advance("s", sum(0, kT0 + 30 * kSecond, 55));
  ASSERT_EQ(after.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(after.delta.value, 15);
}

TEST(CounterState, AChangedStartTimeIsAResetEvenWhenTheValueGrew) {
  auto state = make_state();
  state.advance("s", sum(kT0, kT0 + 10 * kSecond, 10));
  // The process restarted and counted past the old value already: not a delta of 5.
  auto reset = state.advance("s", sum(kT0 + 15 * kSecond, kT0 + 20 * kSecond, 15));
  EXPECT_EQ(reset.outcome, DeltaOutcome::kReset);
  auto after = state.advance("s", sum(kT0 + 15 * kSecond, kT0 + 30 * kSecond, 18));
  ASSERT_EQ(after.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(after.delta.value, 3);
}

TEST(CounterState, AGapLongerThanResetAfterStartsANewBaseline) {
  auto state = make_state();
  state.advance("s", sum(kT0, kT0, 10));
  auto late = state.advance("s", sum(kT0, kT0 + 16 * 60 * kSecond, 1'000'000));
  EXPECT_EQ(late.outcome, DeltaOutcome::kBaseline);
  auto next = state.advance("s", sum(kT0, kT0 + 17 * 60 * kSecond, 1'000'060));
  ASSERT_EQ(next.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(next.delta.value, 60);
}

TEST(CounterState, RepeatedAndOlderPointsAreDuplicatesAndChangeNothing) {
  auto state = make_state();
  state.advance("s", sum(kT0, kT0 + 10 * kSecond, 10));
  state.advance("s", sum(kT0, kT0 + 20 * kSecond, 20));
  EXPECT_EQ(state.advance("s", sum(kT0, kT0 + 20 * kSecond, 20)).outcome, DeltaOutcome::kDuplicate);
  EXPECT_EQ(state.advance("s", sum(kT0, kT0 + 15 * kSecond, 15)).outcome, DeltaOutcome::kDuplicate);
  auto next = state.advance("s", sum(kT0, kT0 + 30 * kSecond, 26));
  ASSERT_EQ(next.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(next.delta.value, 6);
}

TEST(CounterState, SeriesAreIndependent) {
  auto state = make_state();
  state.advance("a", sum(kT0, kT0, 1));
  state.advance("b", sum(kT0, kT0, 100));
  EXPECT_DOUBLE_EQ(state.advance("a", sum(kT0, kT0 + kSecond, 2)).delta.value, 1);
  EXPECT_DOUBLE_EQ(state.advance("b", sum(kT0, kT0 + kSecond, 150)).delta.value, 50);
}

TEST(CounterState, HistogramBucketsAreSubtractedAndADecreasingBucketIsAReset) {
  auto state = make_state();
  SeriesPoint h;
  h.shape = 1ULL << 56 | 42;
  h.start_ns = kT0;
  h.time_ns = kT0 + kSecond;
  h.count = 10;
  h.value = -5;  // sums of distributions may fall (negative observations)
  h.buckets = {4, 6, 0};
  state.advance("h", h);
  SeriesPoint h2 = h;
  h2.time_ns += kSecond;
  h2.count = 13;
  h2.value = -7;
  h2.buckets = {5, 8, 0};
  auto d = state.advance("h", h2);
  ASSERT_EQ(d.outcome, DeltaOutcome::kDelta);
  EXPECT_EQ(d.delta.buckets, (std::vector<double>{1, 2, 0}));
  EXPECT_DOUBLE_EQ(d.delta.count, 3);
  EXPECT_DOUBLE_EQ(d.delta.value, -2);
  SeriesPoint h3 = h2;
  h3.time_ns += kSecond;
  h3.count = 14;
  h3.buckets = {6, 7, 1};  // bucket 1 went down
  EXPECT_EQ(state.advance("h", h3).outcome, DeltaOutcome::kReset);
  SeriesPoint other_bounds = h3;
  other_bounds.time_ns += kSecond;
  other_bounds.count = 20;
  other_bounds.shape = 1ULL << 56 | 43;
  other_bounds.buckets = {6, 8, 6};
  EXPECT_EQ(state.advance("h", other_bounds).outcome, DeltaOutcome::kReset);
}

TEST(CounterState, ExponentialBucketsAlignByIndex) {
  SeriesPoint prev;
  prev.shape = 2ULL << 56;
  prev.count = 3;
  prev.offset = 5;
  prev.buckets = {1, 2};  // indexes 5, 6
  SeriesPoint cur = prev;
  cur.count = 7;
  cur.offset = 3;
  cur.buckets = {1, 0, 2, 3};  // indexes 3..6
  auto d = subtract_points(cur, prev);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->offset, 3);
  EXPECT_EQ(d->buckets, (std::vector<double>{1, 0, 1, 1}));
  cur.buckets = {1, 0, 0, 3};  // index 5 went from 1 to 0
  EXPECT_FALSE(subtract_points(cur, prev).has_value());
}

// The delivered view is what survives a restart: a point converted but never delivered is
// converted again after the restart (its client resends it), so no increase is lost.
TEST(CounterState, OnlyDeliveredPointsArePersistedAndARestartContinuesFromThem) {
  auto state = make_state();
  state.advance("s", sum(kT0, kT0 + 10 * kSecond, 100));
  state.commit(std::vector<SeriesUpdate>{{"s", sum(kT0, kT0 + 10 * kSecond, 100)}});
  auto d = state.advance("s", sum(kT0, kT0 + 20 * kSecond, 160));  // sent, never delivered
  ASSERT_EQ(d.outcome, DeltaOutcome::kDelta);
  EXPECT_TRUE(state.dirty());
  const std::string saved = state.serialize();
  EXPECT_FALSE(state.dirty());

  auto restarted = make_state();
  auto loaded = restarted.load(saved, kT0 + 25 * kSecond);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(*loaded, 1u);
  ASSERT_NE(restarted.current("s"), nullptr);
  EXPECT_DOUBLE_EQ(restarted.current("s")->value, 100);
  auto resent = restarted.advance("s", sum(kT0, kT0 + 20 * kSecond, 160));
  ASSERT_EQ(resent.outcome, DeltaOutcome::kDelta);
  EXPECT_DOUBLE_EQ(resent.delta.value, 60);
}

TEST(CounterState, CommitNeverMovesTheDeliveredPointBack) {
  auto state = make_state();
  state.advance("s", sum(kT0, kT0 + 10 * kSecond, 1));
  state.advance("s", sum(kT0, kT0 + 20 * kSecond, 2));
  state.commit(std::vector<SeriesUpdate>{{"s", sum(kT0, kT0 + 20 * kSecond, 2)}});
  state.commit(std::vector<SeriesUpdate>{{"s", sum(kT0, kT0 + 10 * kSecond, 1)}});
  ASSERT_NE(state.delivered("s"), nullptr);
  EXPECT_DOUBLE_EQ(state.delivered("s")->value, 2);
}

TEST(CounterState, SerializedHistogramsRoundTripExactly) {
  auto state = make_state();
  SeriesPoint h;
  h.shape = (2ULL << 56) | 0xFFFFFFFFULL;  // scale -1
  h.start_ns = kT0 + 123;                  // nanoseconds beyond a double's precision
  h.time_ns = kT0 + 456;
  h.count = 12;
  h.value = 0.1 + 0.2;
  h.zero_count = 1;
  h.offset = -3;
  h.negative_offset = 7;
  h.buckets = {1, 2, 3.5};
  h.negative_buckets = {5};
  state.advance("k\x1fwith \"quotes\"\n", h);
  state.commit(std::vector<SeriesUpdate>{{"k\x1fwith \"quotes\"\n", h}});
  auto copy = make_state();
  ASSERT_TRUE(copy.load(state.serialize(), kT0).has_value());
  ASSERT_NE(copy.delivered("k\x1fwith \"quotes\"\n"), nullptr);
  EXPECT_EQ(*copy.delivered("k\x1fwith \"quotes\"\n"), h);
}

TEST(CounterState, LoadSkipsStaleSeriesAndRejectsGarbage) {
  auto state = make_state();
  state.advance("old", sum(kT0, kT0, 1));
  state.commit(std::vector<SeriesUpdate>{{"old", sum(kT0, kT0, 1)}});
  state.advance("new", sum(kT0, kT0 + 20 * 60 * kSecond, 1));
  state.commit(std::vector<SeriesUpdate>{{"new", sum(kT0, kT0 + 20 * 60 * kSecond, 1)}});
  auto copy = make_state();
  auto loaded = copy.load(state.serialize(), kT0 + 21 * 60 * kSecond);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, 1u);
  EXPECT_EQ(copy.current("old"), nullptr);
  EXPECT_FALSE(make_state().load("not json", kT0).has_value());
  EXPECT_FALSE(make_state().load(R"({"version":9,"series":[]})", kT0).has_value());
  EXPECT_FALSE(make_state().load(R"({"version":1,"series":[{"key":"x"}]})", kT0).has_value());
}

TEST(CounterState, ExpireForgetsSeriesOlderThanResetAfter) {
  auto state = make_state();
  state.advance("a", sum(kT0, kT0, 1));
  state.advance("b", sum(kT0, kT0 + 10 * 60 * kSecond, 1));
  EXPECT_EQ(state.expire(kT0 + 16 * 60 * kSecond), 1u);
  EXPECT_EQ(state.current("a"), nullptr);
  EXPECT_NE(state.current("b"), nullptr);
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
