#include "agent/core/router.h"

#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "agent/core/memory_queue.h"
#include "tests/unit/agent/core/core_test_support.h"

namespace vigil::core {
namespace {

using testing::AckProbe;
using testing::make_batch;

SignalSet signals(std::initializer_list<Signal> list) {
  SignalSet s;
  for (Signal x : list) s.add(x);
  return s;
}

class RouterTest : public ::testing::Test {
 protected:
  std::unique_ptr<MemoryQueue> queue(std::string id, std::uint64_t capacity = 1000,
                                     WhenFull when_full = WhenFull::kBlock) {
    return std::make_unique<MemoryQueue>(std::move(id), capacity, when_full, metrics_, log_.logger);
  }
  std::uint64_t batches(const Queue& q) { return q.stats().batches; }

  testing::FakeClock clock_;
  telemetry::MetricsRegistry metrics_;
  testing::CapturedLog log_{clock_};
  testing::FakeScheduler scheduler_{clock_};
  Router router_{metrics_, scheduler_};
};

TEST_F(RouterTest, RoutesBySignal) {
  auto metrics_q = queue("prometheus");
  auto logs_q = queue("loki");
  auto all_q = queue("otlp");
  router_.add_route({"prometheus", metrics_q.get(), signals({Signal::kMetrics}), {}});
  router_.add_route({"loki", logs_q.get(), signals({Signal::kLogs}), {}});
  router_.add_route({"otlp", all_q.get(), SignalSet::all(), {}});

  AckProbe p1, p2;
  EXPECT_EQ(router_.offer(make_batch(10, 1, Signal::kLogs), p1.callback()), OfferResult::kAccepted);
  EXPECT_EQ(batches(*metrics_q), 0u);
  EXPECT_EQ(batches(*logs_q), 1u);
  EXPECT_EQ(batches(*all_q), 1u);
  EXPECT_EQ(router_.offer(make_batch(10, 1, Signal::kMetrics), p2.callback()),
            OfferResult::kAccepted);
  EXPECT_EQ(batches(*metrics_q), 1u);
  EXPECT_EQ(batches(*logs_q), 1u);
  EXPECT_EQ(batches(*all_q), 2u);
  EXPECT_EQ(p1.calls + p2.calls, 0);
}

TEST_F(RouterTest, RoutesBySourceWithExactMatch) {
  auto app_only = queue("app_only");
  auto everything = queue("everything");
  router_.add_route({"app_only", app_only.get(), SignalSet::all(), {"tail/app", "otlp"}});
  router_.add_route({"everything", everything.get(), SignalSet::all(), {}});

  AckProbe p;
  router_.offer(make_batch(10, 1, Signal::kLogs, "tail/app"), p.callback());
  router_.offer(make_batch(10, 1, Signal::kLogs, "tail/application"), p.callback());
  router_.offer(make_batch(10, 1, Signal::kLogs, "tail"), p.callback());
  router_.offer(make_batch(10, 1, Signal::kTraces, "otlp"), p.callback());
  EXPECT_EQ(batches(*app_only), 2u);
  EXPECT_EQ(batches(*everything), 4u);
}

TEST_F(RouterTest, EveryTargetQueueGetsItsOwnShareOfTheAck) {
  auto a = queue("a");
  auto b = queue("b");
  router_.add_route({"a", a.get(), SignalSet::all(), {}});
  router_.add_route({"b", b.get(), SignalSet::all(), {}});
  AckProbe p;
  ASSERT_EQ(router_.offer(make_batch(10, 1), p.callback()), OfferResult::kAccepted);
  auto ea = a->take();
  auto eb = b->take();
  ASSERT_TRUE(ea && eb);
  EXPECT_EQ(ea->batch, eb->batch);  // the same bytes, shared
  ea->ticket.settle(Settlement::kDelivered);
  EXPECT_EQ(p.calls, 0);
  eb->ticket.settle(Settlement::kDelivered);
  EXPECT_EQ(p.calls, 1);
  EXPECT_EQ(p.outcome.delivered, 2u);
  EXPECT_TRUE(p.outcome.safe());
}

TEST_F(RouterTest, BlockedOfferTakesNothingAnywhere) {
  auto roomy = queue("roomy", 1000);
  auto full = queue("full", 100);
  router_.add_route({"roomy", roomy.get(), SignalSet::all(), {}});
  router_.add_route({"full", full.get(), SignalSet::all(), {}});
  AckProbe first, second;
  ASSERT_EQ(router_.offer(make_batch(80, 8), first.callback()), OfferResult::kAccepted);
  EXPECT_EQ(router_.offer(make_batch(30, 3), second.callback()), OfferResult::kBlocked);
  EXPECT_EQ(batches(*roomy), 1u);
  EXPECT_EQ(batches(*full), 1u);
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(testing::dropped(metrics_, "full", "queue_full"), 0u);
}

TEST_F(RouterTest, NoRouteAcknowledgesAtOnceAndCountsNoRoute) {
  auto logs_q = queue("loki");
  router_.add_route({"loki", logs_q.get(), signals({Signal::kLogs}), {}});
  AckProbe p;
  EXPECT_EQ(router_.offer(make_batch(10, 7, Signal::kTraces, "otlp"), p.callback()),
            OfferResult::kAccepted);
  EXPECT_EQ(p.calls, 1);
  EXPECT_TRUE(p.outcome.safe());
  EXPECT_EQ(p.outcome.abandoned, 0u);
  EXPECT_EQ(testing::dropped(metrics_, "otlp", "no_route"), 7u);
  EXPECT_EQ(batches(*logs_q), 0u);
}

TEST_F(RouterTest, DropNewestShareCountsAsDroppedInTheOutcome) {
  auto lossy = queue("lossy", 10, WhenFull::kDropNewest);
  auto safe = queue("safe");
  router_.add_route({"lossy", lossy.get(), SignalSet::all(), {}});
  router_.add_route({"safe", safe.get(), SignalSet::all(), {}});
  auto deliver = [](Queue& q) {
    auto e = q.take();
    ASSERT_TRUE(e.has_value());
    e->ticket.settle(Settlement::kDelivered);
    q.complete(e->id);
  };

  AckProbe oversized;
  ASSERT_EQ(router_.offer(make_batch(50, 5), oversized.callback()), OfferResult::kAccepted);
  deliver(*safe);
  EXPECT_EQ(oversized.calls, 0) << "the oversized batch went into the empty lossy queue";
  deliver(*lossy);
  EXPECT_EQ(oversized.calls, 1);
  EXPECT_EQ(testing::dropped(metrics_, "lossy", "queue_full"), 0u);

  AckProbe fits, lost;
  router_.offer(make_batch(5, 1), fits.callback());
  auto held = lossy->take();                         // in flight in `lossy`
  router_.offer(make_batch(8, 4), lost.callback());  // does not fit next to it: dropped there
  EXPECT_EQ(testing::dropped(metrics_, "lossy", "queue_full"), 4u);
  EXPECT_EQ(lost.calls, 0);  // `safe` still holds its share
  deliver(*safe);
  deliver(*safe);
  EXPECT_EQ(lost.calls, 1);
  EXPECT_EQ(lost.outcome.delivered, 1u);
  EXPECT_EQ(lost.outcome.dropped, 1u);
  EXPECT_TRUE(lost.outcome.safe());
  EXPECT_EQ(fits.calls, 0);
}

TEST_F(RouterTest, SpaceListenersRunAfterAQueueFreesSpace) {
  auto q = queue("q", 100);
  router_.add_route({"q", q.get(), SignalSet::all(), {}});
  AckProbe a, b;
  ASSERT_EQ(router_.offer(make_batch(100, 1), a.callback()), OfferResult::kAccepted);
  ASSERT_EQ(router_.offer(make_batch(50, 1), b.callback()), OfferResult::kBlocked);
  int woken = 0;
  std::optional<OfferResult> retried;
  const auto id = router_.add_space_listener([&] {
    ++woken;
    retried = router_.offer(make_batch(50, 1), b.callback());
  });
  auto e = q->take();
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 0);
  q->complete(e->id);
  EXPECT_EQ(woken, 0) << "never inside the queue call";
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 1);
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(*retried, OfferResult::kAccepted);
  router_.remove_space_listener(id);
  auto f = q->take();
  q->complete(f->id);
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 1);
}

TEST_F(RouterTest, ListenersMayRemoveThemselvesAndEachOther) {
  auto q = queue("q");
  router_.add_route({"q", q.get(), SignalSet::all(), {}});
  int first = 0, second = 0, third = 0;
  std::uint64_t id1 = 0, id2 = 0, id3 = 0;
  id1 = router_.add_space_listener([&] {
    ++first;
    router_.remove_space_listener(id1);
    router_.remove_space_listener(id2);
  });
  id2 = router_.add_space_listener([&] { ++second; });
  id3 = router_.add_space_listener([&] { ++third; });
  router_.notify_space();
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);  // removed before its turn
  EXPECT_EQ(third, 1);
  router_.notify_space();
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(first, 1);
  EXPECT_EQ(third, 2);
  router_.remove_space_listener(id3);
}

TEST_F(RouterTest, OfferFromInsideAnOfferIsBlockedAndTheSourceIsWokenAfter) {
  auto a = queue("a");
  auto b = queue("b");
  router_.add_route({"a", a.get(), SignalSet::all(), {}});
  router_.add_route({"b", b.get(), SignalSet::all(), {}});
  std::optional<OfferResult> nested;
  AckProbe outer, inner;
  a->set_ready_callback([&] {
    if (!nested)
      nested = router_.offer(make_batch(1, 1, Signal::kLogs, "s", 'n'), inner.callback());
  });
  int woken = 0;
  router_.add_space_listener([&] { ++woken; });
  ASSERT_EQ(router_.offer(make_batch(1, 1, Signal::kLogs, "s", 'o'), outer.callback()),
            OfferResult::kAccepted);
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(*nested, OfferResult::kBlocked);
  EXPECT_EQ(woken, 0);
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(batches(*a), 1u);
  EXPECT_EQ(batches(*b), 1u);
  EXPECT_EQ(b->take()->batch->payload, "o");
}

TEST_F(RouterTest, SeveralFreesInOneTurnMakeOneNotification) {
  auto q = queue("q");
  router_.add_route({"q", q.get(), SignalSet::all(), {}});
  AckProbe p;
  for (int i = 0; i < 3; ++i) router_.offer(make_batch(10, 1), p.callback());
  int woken = 0;
  router_.add_space_listener([&] { ++woken; });
  for (int i = 0; i < 3; ++i) q->complete(q->take()->id);
  EXPECT_EQ(scheduler_.pending(), 1u);
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 1);
}

TEST_F(RouterTest, DestroyedRouterCancelsItsPendingNotification) {
  auto q = queue("q");
  int woken = 0;
  {
    Router short_lived(metrics_, scheduler_);
    short_lived.add_route({"q", q.get(), SignalSet::all(), {}});
    short_lived.add_space_listener([&] { ++woken; });
    short_lived.notify_space();
    EXPECT_EQ(scheduler_.pending(), 1u);
    short_lived.clear_routes();
  }
  EXPECT_EQ(scheduler_.pending(), 0u);
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 0);
}

TEST_F(RouterTest, ClearRoutesUnwiresSpaceCallbacks) {
  auto q = queue("q");
  router_.add_route({"q", q.get(), SignalSet::all(), {}});
  AckProbe p;
  router_.offer(make_batch(10, 1), p.callback());
  int woken = 0;
  router_.add_space_listener([&] { ++woken; });
  router_.clear_routes();
  auto e = q->take();
  q->complete(e->id);
  scheduler_.advance(Duration::zero());
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(scheduler_.pending(), 0u);
  AckProbe after;
  router_.offer(make_batch(10, 3, Signal::kLogs, "late"), after.callback());
  EXPECT_EQ(after.calls, 1);
  EXPECT_EQ(testing::dropped(metrics_, "late", "no_route"), 3u);
}

TEST_F(RouterTest, QueueOutlivingTheRouterDoesNotCallIntoIt) {
  auto q = queue("q");
  AckProbe p;
  {
    Router short_lived(metrics_, scheduler_);
    short_lived.add_route({"q", q.get(), SignalSet::all(), {}});
    short_lived.offer(make_batch(10, 1), p.callback());
  }
  auto e = q->take();
  q->complete(e->id);  // the space callback finds the router gone (ASan checks)
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(q->stats().batches, 0u);
}

}  // namespace
}  // namespace vigil::core
