// Router, queues and pumps together: the acknowledgement contract of DESIGN.md section 4.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "agent/core/export_pump.h"
#include "agent/core/memory_queue.h"
#include "agent/core/router.h"
#include "tests/unit/agent/core/core_test_support.h"

namespace vigil::core {
namespace {

using testing::AckProbe;
using testing::make_batch;

// One exporter: its queue, sender and pump.
struct Exporter {
  Exporter(std::string id, std::uint64_t capacity, testing::FakeScheduler& scheduler,
           const Clock& clock, Random& random, telemetry::MetricsRegistry& metrics,
           telemetry::Logger& logger)
      : queue(id, capacity, WhenFull::kBlock, metrics, logger),
        pump(std::make_unique<ExportPump>(ExportPumpOptions{id, 1, RetryConfig{}}, queue, sender,
                                          scheduler, clock, random, metrics, logger)) {}
  MemoryQueue queue;
  testing::FakeSender sender;
  std::unique_ptr<ExportPump> pump;
};

class PipelineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Exporter> exporter(std::string id, std::uint64_t capacity = 1 << 20) {
    auto e = std::make_unique<Exporter>(id, capacity, scheduler_, clock_, random_, metrics_,
                                        log_.logger);
    router_.add_route({id, &e->queue, SignalSet::all(), {}});
    e->pump->start();
    return e;
  }

  testing::FakeClock clock_;
  testing::FakeScheduler scheduler_{clock_};
  testing::ScriptedRandom random_{0.5};
  telemetry::MetricsRegistry metrics_;
  testing::CapturedLog log_{clock_};
  Router router_{metrics_, scheduler_};
};

TEST_F(PipelineTest, AcknowledgedOnlyOnceEveryExporterHasDelivered) {
  auto fast = exporter("fast");
  auto flaky = exporter("flaky");
  AckProbe ack;
  ASSERT_EQ(router_.offer(make_batch(100, 10), ack.callback()), OfferResult::kAccepted);
  ASSERT_EQ(fast->sender.calls(), 1u);
  ASSERT_EQ(flaky->sender.calls(), 1u);

  fast->sender.complete_oldest(SendResult::ok());
  flaky->sender.complete_oldest(SendResult::retryable("503 Service Unavailable"));
  EXPECT_EQ(ack.calls, 0) << "flaky still owes its share";

  scheduler_.advance(std::chrono::seconds(1));  // past the first retry's back-off
  ASSERT_EQ(flaky->sender.calls(), 2u);
  EXPECT_EQ(ack.calls, 0);
  flaky->sender.complete_oldest(SendResult::ok());
  EXPECT_EQ(ack.calls, 1);
  EXPECT_EQ(ack.outcome.delivered, 2u);
  EXPECT_TRUE(ack.outcome.safe());
  router_.clear_routes();
}

TEST_F(PipelineTest, AnExporterStoppingBeforeDeliveryMakesTheAckUnsafe) {
  auto fast = exporter("fast");
  auto down = exporter("down");
  AckProbe ack;
  router_.offer(make_batch(100, 10), ack.callback());
  fast->sender.complete_oldest(SendResult::ok());
  down->sender.complete_oldest(SendResult::retryable("connection refused"));
  down->pump.reset();  // shutdown past the drain deadline
  EXPECT_EQ(ack.calls, 1);
  EXPECT_EQ(ack.outcome.delivered, 1u);
  EXPECT_EQ(ack.outcome.abandoned, 1u);
  EXPECT_FALSE(ack.outcome.safe()) << "the source must not advance";
  router_.clear_routes();
}

TEST_F(PipelineTest, PermanentFailureAtOneExporterStillAcknowledges) {
  auto good = exporter("good");
  auto strict = exporter("strict");
  AckProbe ack;
  router_.offer(make_batch(100, 10), ack.callback());
  strict->sender.complete_oldest(SendResult::permanent("400 Bad Request"));
  EXPECT_EQ(ack.calls, 0);
  good->sender.complete_oldest(SendResult::ok());
  EXPECT_EQ(ack.calls, 1);
  EXPECT_EQ(ack.outcome.dropped, 1u);
  EXPECT_TRUE(ack.outcome.safe());
  EXPECT_EQ(testing::dropped(metrics_, "strict", "permanent_error"), 10u);
  router_.clear_routes();
}

TEST_F(PipelineTest, BlockedSourceResumesWhenDeliveryFreesSpace) {
  auto slow = exporter("slow", 150);
  AckProbe first, second;
  ASSERT_EQ(router_.offer(make_batch(100, 1, Signal::kLogs, "tail/app", 'a'), first.callback()),
            OfferResult::kAccepted);
  auto blocked = make_batch(100, 1, Signal::kLogs, "tail/app", 'b');
  ASSERT_EQ(router_.offer(blocked, second.callback()), OfferResult::kBlocked);
  EXPECT_EQ(slow->queue.stats().batches, 1u);

  std::optional<OfferResult> retried;
  const auto listener = router_.add_space_listener([&] {
    if (!retried) retried = router_.offer(blocked, second.callback());
  });
  slow->sender.complete_oldest(SendResult::ok());
  EXPECT_FALSE(retried.has_value()) << "the source hears of the space on the next loop turn";
  scheduler_.advance(Duration::zero());
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(*retried, OfferResult::kAccepted);
  ASSERT_EQ(slow->sender.calls(), 2u);
  EXPECT_EQ(slow->sender.call(1).payload[0], 'b');
  slow->sender.complete_oldest(SendResult::ok());
  EXPECT_EQ(first.outcome.delivered, 1u);
  EXPECT_EQ(second.outcome.delivered, 1u);
  router_.remove_space_listener(listener);
  router_.clear_routes();
}

TEST_F(PipelineTest, SynchronousExportersKeepEachQueueInOfferOrder) {
  auto a = exporter("a");
  auto b = exporter("b");
  a->sender.respond_synchronously(SendResult::ok());
  b->sender.respond_synchronously(SendResult::ok());
  // A source that offers its next batch from the acknowledgement of the previous one.
  int next = 0;
  std::function<void()> offer_next;
  std::function<void(const AckOutcome&)> on_safe = [&](const AckOutcome&) { offer_next(); };
  offer_next = [&] {
    if (next == 5) return;
    const char fill = static_cast<char>('0' + next);
    if (router_.offer(make_batch(1, 1, Signal::kLogs, "tail/app", fill), on_safe) ==
        OfferResult::kAccepted) {
      ++next;
    }
  };
  const auto listener = router_.add_space_listener([&] { offer_next(); });
  offer_next();
  // Each acknowledgement arrives inside the offer that caused it: the nested offer is refused
  // and the source retries on the next loop turn.
  for (int turn = 0; turn < 10 && next < 5; ++turn) scheduler_.advance(Duration::zero());
  EXPECT_EQ(next, 5);
  std::string order_a, order_b;
  for (std::size_t i = 0; i < a->sender.calls(); ++i) order_a += a->sender.call(i).payload;
  for (std::size_t i = 0; i < b->sender.calls(); ++i) order_b += b->sender.call(i).payload;
  EXPECT_EQ(order_a, "01234");
  EXPECT_EQ(order_b, "01234");
  router_.remove_space_listener(listener);
  router_.clear_routes();
}

}  // namespace
}  // namespace vigil::core
