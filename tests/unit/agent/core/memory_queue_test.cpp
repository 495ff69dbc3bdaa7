#include "agent/core/memory_queue.h"

#include <gtest/gtest.h>

#include "tests/unit/agent/core/core_test_support.h"

namespace vigil::core {
namespace {

using testing::AckProbe;
using testing::make_batch;
using testing::probe_ticket;

class MemoryQueueTest : public ::testing::Test {
 protected:
  MemoryQueue make(std::uint64_t capacity, WhenFull when_full) {
    return MemoryQueue("otlp/main", capacity, when_full, metrics_, log_.logger);
  }
  std::uint64_t queue_full() { return testing::dropped(metrics_, "otlp/main", "queue_full"); }

  testing::FakeClock clock_;
  telemetry::MetricsRegistry metrics_;
  testing::CapturedLog log_{clock_};
};

TEST_F(MemoryQueueTest, StatsCountWaitingAndInFlightExactly) {
  MemoryQueue q("otlp/main", 1000, WhenFull::kBlock, metrics_, log_.logger);
  AckProbe a, b;
  q.push(make_batch(100, 10), probe_ticket(a));
  q.push(make_batch(50, 5), probe_ticket(b));
  QueueStats s = q.stats();
  EXPECT_EQ(s.bytes, 150u);
  EXPECT_EQ(s.items, 15u);
  EXPECT_EQ(s.batches, 2u);
  EXPECT_EQ(s.in_flight, 0u);
  EXPECT_EQ(s.capacity_bytes, 1000u);

  auto first = q.take();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->batch->payload.size(), 100u);
  EXPECT_TRUE(first->ticket.pending());
  s = q.stats();
  EXPECT_EQ(s.bytes, 150u);  // in flight still holds its space
  EXPECT_EQ(s.items, 15u);
  EXPECT_EQ(s.batches, 2u);
  EXPECT_EQ(s.in_flight, 1u);

  q.complete(first->id);
  s = q.stats();
  EXPECT_EQ(s.bytes, 50u);
  EXPECT_EQ(s.items, 5u);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(s.in_flight, 0u);

  auto second = q.take();
  ASSERT_TRUE(second.has_value());
  EXPECT_GT(second->id, first->id);
  EXPECT_FALSE(q.take().has_value());
  q.complete(second->id);
  q.complete(second->id);  // twice: ignored
  q.complete(12345);       // unknown: ignored
  s = q.stats();
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.batches, 0u);
}

TEST_F(MemoryQueueTest, ReadyFiresOnPushAndSpaceOnComplete) {
  auto q = make(1000, WhenFull::kBlock);
  int ready = 0, space = 0;
  q.set_ready_callback([&] { ++ready; });
  q.set_space_callback([&] { ++space; });
  AckProbe p;
  q.push(make_batch(10, 1), probe_ticket(p));
  EXPECT_EQ(ready, 1);
  EXPECT_EQ(space, 0);
  auto e = q.take();
  EXPECT_EQ(space, 0);
  q.complete(e->id);
  EXPECT_EQ(space, 1);
  EXPECT_EQ(ready, 1);
}

TEST_F(MemoryQueueTest, BlockRefusesWhatDoesNotFitUntilSpaceIsFreed) {
  auto q = make(100, WhenFull::kBlock);
  AckProbe p;
  q.push(make_batch(60, 6), probe_ticket(p));
  EXPECT_FALSE(q.would_block(40));
  EXPECT_TRUE(q.would_block(41));
  auto e = q.take();
  EXPECT_TRUE(q.would_block(41));  // in flight still counts
  q.complete(e->id);
  EXPECT_FALSE(q.would_block(100));
  EXPECT_EQ(queue_full(), 0u);
}

TEST_F(MemoryQueueTest, BlockPushWithoutCheckingKeepsTheBatch) {
  auto q = make(100, WhenFull::kBlock);
  AckProbe a, b;
  q.push(make_batch(80, 8), probe_ticket(a));
  q.push(make_batch(80, 8), probe_ticket(b));
  EXPECT_EQ(q.stats().bytes, 160u);
  EXPECT_EQ(b.calls, 0);
  EXPECT_EQ(queue_full(), 0u);
  EXPECT_TRUE(log_.contains("without checking would_block"));
}

TEST_F(MemoryQueueTest, DropPoliciesNeverBlock) {
  auto newest = make(10, WhenFull::kDropNewest);
  auto oldest = make(10, WhenFull::kDropOldest);
  AckProbe a, b;
  newest.push(make_batch(10, 1), probe_ticket(a));
  oldest.push(make_batch(10, 1), probe_ticket(b));
  EXPECT_FALSE(newest.would_block(1000));
  EXPECT_FALSE(oldest.would_block(1000));
}

TEST_F(MemoryQueueTest, DropNewestDropsTheNewBatchAndCountsIt) {
  auto q = make(100, WhenFull::kDropNewest);
  AckProbe kept, lost;
  q.push(make_batch(60, 6), probe_ticket(kept));
  q.push(make_batch(50, 5), probe_ticket(lost));
  EXPECT_EQ(lost.calls, 1);
  EXPECT_EQ(lost.outcome.dropped, 1u);
  EXPECT_TRUE(lost.outcome.safe());  // counted and logged: the source may move on
  EXPECT_EQ(kept.calls, 0);
  EXPECT_EQ(queue_full(), 5u);
  const QueueStats s = q.stats();
  EXPECT_EQ(s.bytes, 60u);
  EXPECT_EQ(s.items, 6u);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_TRUE(log_.contains("dropped the newest batch (5 items"));

  AckProbe fits;
  q.push(make_batch(40, 4), probe_ticket(fits));
  EXPECT_EQ(fits.calls, 0);
  EXPECT_EQ(q.stats().bytes, 100u);
  EXPECT_EQ(queue_full(), 5u);
}

TEST_F(MemoryQueueTest, DropOldestEvictsWaitingBatchesNeverOneInFlight) {
  auto q = make(100, WhenFull::kDropOldest);
  AckProbe a, b, c, d;
  q.push(make_batch(40, 4, Signal::kLogs, "s", 'a'), probe_ticket(a));
  auto in_flight = q.take();  // `a` is being sent
  q.push(make_batch(30, 3, Signal::kLogs, "s", 'b'), probe_ticket(b));
  q.push(make_batch(30, 2, Signal::kLogs, "s", 'c'), probe_ticket(c));
  EXPECT_EQ(queue_full(), 0u);

  q.push(make_batch(30, 7, Signal::kLogs, "s", 'd'), probe_ticket(d));
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(b.outcome.dropped, 1u);
  EXPECT_EQ(a.calls, 0);
  EXPECT_EQ(c.calls, 0);
  EXPECT_EQ(d.calls, 0);
  EXPECT_EQ(queue_full(), 3u);
  EXPECT_TRUE(log_.contains("dropped the oldest batch (3 items"));
  EXPECT_EQ(q.stats().bytes, 100u);
  EXPECT_EQ(q.stats().items, 13u);

  auto next = q.take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch->payload[0], 'c');
  next = q.take();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch->payload[0], 'd');
}

TEST_F(MemoryQueueTest, DropOldestEvictsAsManyAsNeeded) {
  auto q = make(100, WhenFull::kDropOldest);
  AckProbe p[4];
  for (int i = 0; i < 4; ++i) q.push(make_batch(25, 1 + i), probe_ticket(p[i]));
  AckProbe big;
  q.push(make_batch(70, 50), probe_ticket(big));
  // 70 bytes need three of the four 25-byte batches gone: 1 + 2 + 3 items.
  EXPECT_EQ(queue_full(), 6u);
  EXPECT_EQ(p[0].calls + p[1].calls + p[2].calls, 3);
  EXPECT_EQ(p[3].calls, 0);
  EXPECT_EQ(q.stats().bytes, 95u);
  EXPECT_EQ(q.stats().batches, 2u);
}

TEST_F(MemoryQueueTest, DropOldestDropsTheNewBatchWhenInFlightLeavesNoRoom) {
  auto q = make(100, WhenFull::kDropOldest);
  AckProbe a, b, c;
  q.push(make_batch(80, 8), probe_ticket(a));
  auto in_flight = q.take();
  q.push(make_batch(10, 1), probe_ticket(b));
  q.push(make_batch(30, 3), probe_ticket(c));  // 80 in flight + 30 > 100 even without `b`
  EXPECT_EQ(b.calls, 0);                       // evicting `b` would not have helped: it stays
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(c.outcome.dropped, 1u);
  EXPECT_EQ(queue_full(), 3u);
  EXPECT_EQ(q.stats().bytes, 90u);
}

TEST_F(MemoryQueueTest, OversizedBatchIsAcceptedOnlyIntoAnEmptyQueue) {
  auto q = make(100, WhenFull::kBlock);
  EXPECT_FALSE(q.would_block(500));
  AckProbe big, small;
  q.push(make_batch(500, 50), probe_ticket(big));
  EXPECT_EQ(q.stats().bytes, 500u);
  EXPECT_TRUE(q.would_block(1));
  auto e = q.take();
  EXPECT_TRUE(q.would_block(1));
  q.complete(e->id);
  EXPECT_FALSE(q.would_block(1));
  q.push(make_batch(1, 1), probe_ticket(small));
  EXPECT_TRUE(q.would_block(500));
  EXPECT_EQ(big.calls, 0);
}

TEST_F(MemoryQueueTest, OversizedBatchUnderDropPolicies) {
  auto newest = make(100, WhenFull::kDropNewest);
  AckProbe n1, n2;
  newest.push(make_batch(1, 1), probe_ticket(n1));
  newest.push(make_batch(500, 50), probe_ticket(n2));
  EXPECT_EQ(n2.calls, 1);
  EXPECT_EQ(queue_full(), 50u);

  // drop_oldest empties the waiting batches to make the queue empty, then takes it.
  auto oldest = make(100, WhenFull::kDropOldest);
  AckProbe o1, o2, o3;
  oldest.push(make_batch(10, 1), probe_ticket(o1));
  oldest.push(make_batch(10, 2), probe_ticket(o2));
  oldest.push(make_batch(500, 50), probe_ticket(o3));
  EXPECT_EQ(o1.calls, 1);
  EXPECT_EQ(o2.calls, 1);
  EXPECT_EQ(o3.calls, 0);
  EXPECT_EQ(queue_full(), 53u);
  EXPECT_EQ(oldest.stats().bytes, 500u);

  // With a batch in flight the queue is not empty: the oversized batch is dropped.
  AckProbe o4;
  auto e = oldest.take();
  oldest.push(make_batch(500, 40), probe_ticket(o4));
  EXPECT_EQ(o4.calls, 1);
  EXPECT_EQ(queue_full(), 93u);
}

TEST_F(MemoryQueueTest, AbandonWaitingSettlesAbandonedAndReturnsItems) {
  auto q = make(1000, WhenFull::kBlock);
  int space = 0;
  q.set_space_callback([&] { ++space; });
  AckProbe a, b, c;
  q.push(make_batch(10, 1), probe_ticket(a));
  q.push(make_batch(20, 2), probe_ticket(b));
  q.push(make_batch(30, 4), probe_ticket(c));
  auto in_flight = q.take();
  EXPECT_EQ(q.abandon_waiting(), 6u);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(b.outcome.abandoned, 1u);
  EXPECT_FALSE(b.outcome.safe());
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(a.calls, 0);  // in flight: the pump still owns it
  EXPECT_EQ(space, 1);
  const QueueStats s = q.stats();
  EXPECT_EQ(s.bytes, 10u);
  EXPECT_EQ(s.batches, 1u);
  EXPECT_EQ(s.in_flight, 1u);
  EXPECT_EQ(queue_full(), 0u);  // abandoning is not dropping
  EXPECT_EQ(q.abandon_waiting(), 0u);
}

TEST_F(MemoryQueueTest, DestroyingTheQueueAbandonsWaitingTickets) {
  AckProbe a;
  {
    auto q = make(1000, WhenFull::kBlock);
    q.push(make_batch(10, 1), probe_ticket(a));
  }
  EXPECT_EQ(a.calls, 1);
  EXPECT_FALSE(a.outcome.safe());
}

TEST_F(MemoryQueueTest, ZeroByteBatchesAreHeldAndCounted) {
  auto q = make(0, WhenFull::kBlock);
  AckProbe a, b;
  EXPECT_FALSE(q.would_block(0));
  q.push(make_batch(0, 3), probe_ticket(a));
  EXPECT_FALSE(q.would_block(0));
  q.push(make_batch(0, 4), probe_ticket(b));
  EXPECT_EQ(q.stats().items, 7u);
  EXPECT_EQ(q.stats().batches, 2u);
}

}  // namespace
}  // namespace vigil::core
