#include "collectors/host/aligned_ticker.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/support/fake_clock.h"

namespace vigil::collectors::host {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kEpoch = 1'700'000'000 * kSecond;  // FakeClock's start, a multiple of 10s

struct Ticks {
  vigil::testing::FakeClock clock;
  vigil::testing::FakeScheduler scheduler{clock};
  std::vector<std::int64_t> boundaries;
  AlignedTicker ticker{clock, scheduler, 10s, [this](std::int64_t t) { boundaries.push_back(t); }};
};

TEST(AlignedTicker, TicksOnWallClockMultiples) {
  Ticks t;
  t.clock.set_unix_nanos(kEpoch + 3 * kSecond);
  t.ticker.start();
  EXPECT_EQ(t.scheduler.next_delay(), 7s);
  t.scheduler.advance(7s);
  t.scheduler.advance(10s);
  EXPECT_EQ(t.boundaries,
            (std::vector<std::int64_t>{kEpoch + 10 * kSecond, kEpoch + 20 * kSecond}));
  t.ticker.stop();
  t.scheduler.advance(60s);
  EXPECT_EQ(t.boundaries.size(), 2u);
}

TEST(AlignedTicker, EarlyOrLateTimersKeepTheirBoundary) {
  Ticks t;
  t.ticker.start();
  // The wall clock runs 400ms behind the monotonic one when the timer fires: still :10.
  t.scheduler.advance(10s - 1ns);
  t.clock.set_unix_nanos(t.clock.unix_nanos() - 400'000'000);
  t.scheduler.advance(1ns);
  ASSERT_EQ(t.boundaries.size(), 1u);
  EXPECT_EQ(t.boundaries[0], kEpoch + 10 * kSecond);
}

TEST(AlignedTicker, AfterAStallOrAClockStepTheLatestBoundaryWithoutCatchingUp) {
  Ticks t;
  t.ticker.start();
  t.scheduler.advance(10s);
  // The wall clock steps 35s ahead: the next timer fires at :55 and ticks for the latest
  // boundary, :50 (not :20, :30, :40 in a burst), then on from there.
  t.clock.set_unix_nanos(t.clock.unix_nanos() + 35 * kSecond);
  t.scheduler.advance(10s);
  t.scheduler.advance(t.scheduler.next_delay());
  EXPECT_EQ(t.boundaries, (std::vector<std::int64_t>{kEpoch + 10 * kSecond, kEpoch + 50 * kSecond,
                                                     kEpoch + 60 * kSecond}));
  // And back 100s: the latest boundary again.
  t.clock.set_unix_nanos(t.clock.unix_nanos() - 100 * kSecond);
  t.scheduler.advance(t.scheduler.next_delay());
  EXPECT_EQ(t.boundaries.back(), boundary_at_or_before(t.clock.unix_nanos(), 10 * kSecond));
}

TEST(AlignedTicker, BoundaryOfNegativeTimes) {
  EXPECT_EQ(boundary_at_or_before(-1, 10), -10);
  EXPECT_EQ(boundary_at_or_before(-10, 10), -10);
  EXPECT_EQ(boundary_at_or_before(19, 10), 10);
}

}  // namespace
}  // namespace vigil::collectors::host
