#include "agent/core/export_pump.h"

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "agent/core/memory_queue.h"
#include "agent/core/retry_policy.h"
#include "tests/unit/agent/core/core_test_support.h"

namespace vigil::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::AckProbe;
using testing::make_batch;
using testing::probe_ticket;

constexpr std::string_view kExporter = "otlp/main";

RetryConfig retry(Duration initial = seconds(1), Duration max = seconds(30),
                  Duration max_elapsed = Duration::zero()) {
  RetryConfig c;
  c.initial_interval = initial;
  c.max_interval = max;
  c.max_elapsed_time = max_elapsed;
  return c;
}

class ExportPumpTest : public ::testing::Test {
 protected:
  std::unique_ptr<ExportPump> make_pump(std::size_t concurrency = 1, RetryConfig config = retry(),
                                        Random* random = nullptr) {
    ExportPumpOptions options{std::string(kExporter), concurrency, config};
    return std::make_unique<ExportPump>(options, queue_, sender_, scheduler_, clock_,
                                        random ? *random : random_, metrics_, log_.logger);
  }
  void push(std::string payload, std::uint64_t items, AckProbe& probe,
            Signal signal = Signal::kLogs) {
    auto batch = std::make_shared<Batch>();
    batch->signal = signal;
    batch->payload = std::move(payload);
    batch->items = items;
    batch->source = "tail/app";
    queue_.push(std::move(batch), probe_ticket(probe));
  }
  std::uint64_t counter(std::string_view name, Signal signal) {
    return metrics_
        .counter(
            name, "",
            {{"component", std::string(kExporter)}, {"signal", std::string(to_string(signal))}})
        .value();
  }
  std::uint64_t sent(Signal s = Signal::kLogs) { return counter("vigil_sent_items_total", s); }
  std::uint64_t failed(Signal s = Signal::kLogs) { return counter("vigil_failed_items_total", s); }
  std::uint64_t retries() {
    return metrics_.counter("vigil_retries_total", "", {{"component", std::string(kExporter)}})
        .value();
  }
  std::uint64_t dropped(std::string_view reason) {
    return testing::dropped(metrics_, kExporter, reason);
  }
  // Fires the pending retry timer.
  void fire_retry() {
    ASSERT_EQ(scheduler_.pending(), 1u);
    scheduler_.advance(scheduler_.next_delay());
  }

  testing::FakeClock clock_;
  testing::FakeScheduler scheduler_{clock_};
  testing::ScriptedRandom random_{0.5};
  telemetry::MetricsRegistry metrics_;
  testing::CapturedLog log_{clock_};
  MemoryQueue queue_{std::string(kExporter), 1 << 20, WhenFull::kBlock, metrics_, log_.logger};
  testing::FakeSender sender_;
};

TEST_F(ExportPumpTest, DeliversInQueueOrderAndSettlesDelivered) {
  AckProbe a, b;
  push("a", 3, a);
  push("b", 4, b, Signal::kMetrics);
  auto pump = make_pump();
  EXPECT_FALSE(pump->idle());
  pump->start();
  ASSERT_EQ(sender_.calls(), 1u);
  EXPECT_EQ(sender_.call(0).payload, "a");
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(a.outcome.delivered, 1u);
  ASSERT_EQ(sender_.calls(), 2u);
  EXPECT_EQ(sender_.call(1).payload, "b");
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(b.outcome.delivered, 1u);
  EXPECT_EQ(sent(Signal::kLogs), 3u);
  EXPECT_EQ(sent(Signal::kMetrics), 4u);
  EXPECT_EQ(failed(), 0u);
  EXPECT_EQ(queue_.stats().bytes, 0u);
  EXPECT_EQ(queue_.stats().batches, 0u);
  EXPECT_TRUE(pump->idle());
}

TEST_F(ExportPumpTest, BatchPushedAfterStartGoesOutAtOnce) {
  auto pump = make_pump();
  pump->start();
  EXPECT_TRUE(pump->idle());
  AckProbe a;
  push("a", 1, a);
  ASSERT_EQ(sender_.calls(), 1u);
  EXPECT_FALSE(pump->idle());
  sender_.complete_oldest(SendResult::ok());
  EXPECT_TRUE(pump->idle());
}

TEST_F(ExportPumpTest, ConcurrencyOneHoldsLaterBatchesWhileOneWaitsForItsRetry) {
  AckProbe a, b;
  push("a", 2, a);
  push("b", 5, b);
  auto pump = make_pump(1);
  pump->start();
  sender_.complete_oldest(SendResult::retryable("503 Service Unavailable"));
  EXPECT_EQ(sender_.calls(), 1u);  // `b` waits behind `a`
  EXPECT_EQ(failed(), 2u);
  EXPECT_EQ(retries(), 1u);
  fire_retry();
  ASSERT_EQ(sender_.calls(), 2u);
  EXPECT_EQ(sender_.call(1).payload, "a");
  sender_.complete_oldest(SendResult::ok());
  ASSERT_EQ(sender_.calls(), 3u);
  EXPECT_EQ(sender_.call(2).payload, "b");
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(sender_.payloads(), (std::vector<std::string>{"a", "a", "b"}));
  EXPECT_EQ(sent(), 7u);
  EXPECT_TRUE(a.outcome.safe());
  EXPECT_TRUE(b.outcome.safe());
}

TEST_F(ExportPumpTest, ConcurrencyThreeSendsThreeAtOnce) {
  AckProbe p[5];
  for (int i = 0; i < 5; ++i) push(std::string(1, static_cast<char>('a' + i)), 1, p[i]);
  auto pump = make_pump(3);
  pump->start();
  EXPECT_EQ(sender_.calls(), 3u);
  EXPECT_EQ(sender_.open(), 3u);
  EXPECT_EQ(queue_.stats().in_flight, 3u);
  sender_.complete(1, SendResult::ok());  // the second finishes first
  EXPECT_EQ(p[1].calls, 1);
  EXPECT_EQ(p[0].calls, 0);
  ASSERT_EQ(sender_.calls(), 4u);
  EXPECT_EQ(sender_.call(3).payload, "d");
  EXPECT_EQ(sender_.open(), 3u);
  // A batch waiting for a retry still takes a slot.
  sender_.complete(0, SendResult::retryable("timeout"));
  EXPECT_EQ(sender_.calls(), 4u);
  sender_.complete(2, SendResult::ok());
  EXPECT_EQ(sender_.calls(), 5u);
}

TEST_F(ExportPumpTest, BackoffIsAJitteredFractionOfADoublingCappedCeiling) {
  testing::ScriptedRandom random{0.5};
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump(1, retry(seconds(1), seconds(4)), &random);
  pump->start();
  const Duration expected[] = {milliseconds(500), seconds(1), seconds(2), seconds(2), seconds(2)};
  for (Duration d : expected) {
    sender_.complete_oldest(SendResult::retryable("connection refused"));
    ASSERT_EQ(scheduler_.pending(), 1u);
    EXPECT_EQ(scheduler_.next_delay(), d);
    fire_retry();
  }
  EXPECT_EQ(sender_.calls(), 6u);
  EXPECT_EQ(retries(), 5u);
  EXPECT_EQ(failed(), 5u);
}

TEST_F(ExportPumpTest, BackoffSpansTheWholeJitterWindow) {
  testing::ScriptedRandom random{0.0, 0.5, 0.999};
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump(1, retry(seconds(4), seconds(4)), &random);
  pump->start();
  const Duration expected[] = {Duration::zero(), seconds(2), milliseconds(3996)};
  for (Duration d : expected) {
    sender_.complete_oldest(SendResult::retryable("502 Bad Gateway"));
    EXPECT_EQ(scheduler_.next_delay(), d);
    fire_retry();
  }
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(a.outcome.delivered, 1u);
}

TEST_F(ExportPumpTest, RetryAfterInSecondsIsHonoured) {
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump();
  pump->start();
  sender_.complete_oldest(SendResult::retryable("429 Too Many Requests",
                                                parse_retry_after("120", clock_.unix_nanos())));
  EXPECT_EQ(scheduler_.next_delay(), seconds(120));
  scheduler_.advance(seconds(119));
  EXPECT_EQ(sender_.calls(), 1u);
  scheduler_.advance(seconds(1));
  EXPECT_EQ(sender_.calls(), 2u);
}

TEST_F(ExportPumpTest, RetryAfterAsAnHttpDateIsHonoured) {
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump();
  pump->start();
  // FakeClock starts at 2023-11-14T22:13:20Z.
  const auto after = parse_retry_after("Tue, 14 Nov 2023 22:14:05 GMT", clock_.unix_nanos());
  sender_.complete_oldest(SendResult::retryable("503 Service Unavailable", after));
  EXPECT_EQ(scheduler_.next_delay(), seconds(45));
}

TEST_F(ExportPumpTest, MaxElapsedTimeGivesUpAndCountsRetriesExhausted) {
  testing::ScriptedRandom random{0.999};
  AckProbe a, b;
  push("a", 6, a);
  push("b", 1, b);
  auto pump = make_pump(1, retry(seconds(4), seconds(4), seconds(10)), &random);
  pump->start();
  // Failures at 0, 3.996 s and 7.992 s are retried; the one at 11.988 s is past the budget.
  for (int i = 0; i < 3; ++i) {
    sender_.complete_oldest(SendResult::retryable("504 Gateway Timeout"));
    EXPECT_EQ(a.calls, 0);
    fire_retry();
  }
  sender_.complete_oldest(SendResult::retryable("504 Gateway Timeout"));
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(a.outcome.dropped, 1u);
  EXPECT_TRUE(a.outcome.safe());  // counted and logged: the source may move on
  EXPECT_EQ(dropped("retries_exhausted"), 6u);
  EXPECT_EQ(failed(), 24u);
  EXPECT_EQ(retries(), 3u);
  EXPECT_EQ(sent(), 0u);
  EXPECT_TRUE(log_.contains("retries_exhausted"));
  EXPECT_TRUE(log_.contains("504 Gateway Timeout"));
  // The next batch goes out, with a fresh budget.
  ASSERT_EQ(sender_.calls(), 5u);
  EXPECT_EQ(sender_.call(4).payload, "b");
}

TEST_F(ExportPumpTest, RetryDisabledDropsOnTheFirstFailure) {
  RetryConfig config = retry();
  config.enabled = false;
  AckProbe a;
  push("a", 4, a);
  auto pump = make_pump(1, config);
  pump->start();
  sender_.complete_oldest(SendResult::retryable("503"));
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(a.outcome.dropped, 1u);
  EXPECT_EQ(dropped("retries_exhausted"), 4u);
  EXPECT_EQ(retries(), 0u);
  EXPECT_TRUE(pump->idle());
}

TEST_F(ExportPumpTest, PermanentErrorDropsCountsAndLogsTheServersReason) {
  AckProbe a, b;
  push("a", 9, a);
  push("b", 1, b);
  auto pump = make_pump();
  pump->start();
  sender_.complete_oldest(SendResult::permanent("400 Bad Request: invalid metric name"));
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(a.outcome.dropped, 1u);
  EXPECT_EQ(dropped("permanent_error"), 9u);
  EXPECT_EQ(failed(), 9u);
  EXPECT_EQ(sent(), 0u);
  EXPECT_EQ(retries(), 0u);
  EXPECT_TRUE(log_.contains("permanent_error"));
  EXPECT_TRUE(log_.contains("400 Bad Request: invalid metric name"));
  EXPECT_EQ(queue_.stats().bytes, 1u);  // only `b`, now in flight
  EXPECT_EQ(sender_.calls(), 2u);
}

TEST_F(ExportPumpTest, PartialSuccessCountsRejectedAndIsNotRetried) {
  AckProbe a;
  push("a", 10, a);
  auto pump = make_pump();
  pump->start();
  SendResult partial = SendResult::ok();
  partial.rejected_items = 3;
  partial.reason = "3 data points had no name";
  sender_.complete_oldest(partial);
  EXPECT_EQ(sender_.calls(), 1u);
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(a.outcome.delivered, 1u);
  EXPECT_EQ(sent(), 7u);
  EXPECT_EQ(dropped("rejected"), 3u);
  EXPECT_EQ(failed(), 0u);
  EXPECT_TRUE(log_.contains("3 data points had no name"));
}

TEST_F(ExportPumpTest, RejectedCountBeyondTheBatchIsClamped) {
  AckProbe a;
  push("a", 2, a);
  auto pump = make_pump();
  pump->start();
  SendResult partial = SendResult::ok();
  partial.rejected_items = 50;
  sender_.complete_oldest(partial);
  EXPECT_EQ(sent(), 0u);
  EXPECT_EQ(dropped("rejected"), 2u);
}

TEST_F(ExportPumpTest, StopCancelsPendingRetriesAndTakesNothingMore) {
  AckProbe a, b;
  push("a", 1, a);
  push("b", 1, b);
  auto pump = make_pump();
  pump->start();
  sender_.complete_oldest(SendResult::retryable("503"));
  ASSERT_EQ(scheduler_.pending(), 1u);
  pump->stop();
  EXPECT_EQ(scheduler_.pending(), 0u);
  scheduler_.advance(std::chrono::hours(1));
  EXPECT_EQ(sender_.calls(), 1u);
  EXPECT_FALSE(pump->idle());
  pump.reset();
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(a.outcome.abandoned, 1u);
  EXPECT_FALSE(a.outcome.safe());
  EXPECT_EQ(b.calls, 0);                    // still in the queue
  EXPECT_EQ(queue_.stats().in_flight, 1u);  // never completed: a disk queue would replay it
}

TEST_F(ExportPumpTest, SendsUnderWayAtStopStillSettle) {
  AckProbe a, b, c;
  push("a", 1, a);
  push("b", 1, b);
  push("c", 1, c);
  auto pump = make_pump(2);
  pump->start();
  pump->stop();
  sender_.complete(0, SendResult::ok());
  EXPECT_EQ(a.outcome.delivered, 1u);
  EXPECT_EQ(sender_.calls(), 2u);  // `c` is not taken after stop
  sender_.complete(1, SendResult::retryable("503"));
  EXPECT_EQ(scheduler_.pending(), 0u);  // parked, not retried
  EXPECT_EQ(b.calls, 0);
  pump->start();  // resumes: the parked batch goes first, then `c` takes the free slot
  ASSERT_EQ(sender_.calls(), 4u);
  EXPECT_EQ(sender_.call(2).payload, "b");
  EXPECT_EQ(sender_.call(3).payload, "c");
}

TEST_F(ExportPumpTest, RestartResendsBatchesWhoseRetryWasCancelled) {
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump();
  pump->start();
  sender_.complete_oldest(SendResult::retryable("503"));
  pump->stop();
  pump->start();
  ASSERT_EQ(sender_.calls(), 2u);
  EXPECT_EQ(sender_.call(1).payload, "a");
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(a.outcome.delivered, 1u);
  EXPECT_TRUE(pump->idle());
}

TEST_F(ExportPumpTest, DestroyedDuringASendIgnoresTheLateResult) {
  AckProbe a;
  push("payload", 1, a);
  auto pump = make_pump();
  pump->start();
  pump.reset();
  EXPECT_EQ(a.outcome.abandoned, 1u);
  // The sender may still read the batch it was given (ASan checks), then report.
  EXPECT_EQ(sender_.call(0).batch->payload, "payload");
  sender_.complete_oldest(SendResult::ok());
  EXPECT_EQ(sent(), 0u);
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(queue_.stats().in_flight, 1u);
}

TEST_F(ExportPumpTest, DestroyedWhileWaitingForARetryCancelsTheTimer) {
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump();
  pump->start();
  sender_.complete_oldest(SendResult::retryable("503"));
  ASSERT_EQ(scheduler_.pending(), 1u);
  pump.reset();
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_FALSE(a.outcome.safe());
  AckProbe b;
  push("b", 1, b);  // the queue no longer calls the pump
  EXPECT_EQ(sender_.calls(), 1u);
}

TEST_F(ExportPumpTest, DuplicateOrStaleResultsAreIgnored) {
  AckProbe a;
  push("a", 5, a);
  auto pump = make_pump();
  pump->start();
  sender_.complete(0, SendResult::retryable("503"));
  sender_.complete_again(0, SendResult::ok());  // stale: that attempt already failed
  EXPECT_EQ(sent(), 0u);
  EXPECT_EQ(a.calls, 0);
  fire_retry();
  sender_.complete(1, SendResult::ok());
  sender_.complete_again(1, SendResult::ok());
  EXPECT_EQ(sent(), 5u);
  EXPECT_EQ(a.calls, 1);
}

TEST_F(ExportPumpTest, SynchronousSenderDrainsALongQueueWithoutDeepRecursion) {
  // Deep enough to overflow the stack if each completion pumped the next batch recursively.
  constexpr int kBatches = 100'000;
  std::vector<AckProbe> probes(kBatches);
  for (auto& p : probes) push("x", 1, p);
  sender_.respond_synchronously(SendResult::ok());
  auto pump = make_pump();
  pump->start();
  EXPECT_EQ(sender_.calls(), static_cast<std::size_t>(kBatches));
  EXPECT_EQ(sent(), static_cast<std::uint64_t>(kBatches));
  EXPECT_TRUE(pump->idle());
  for (const auto& p : probes) ASSERT_EQ(p.outcome.delivered, 1u);
}

TEST_F(ExportPumpTest, SynchronousRetryableFailureWaitsForItsTimer) {
  sender_.respond_synchronously(SendResult::retryable("connection refused"));
  AckProbe a;
  push("a", 1, a);
  auto pump = make_pump();
  pump->start();
  EXPECT_EQ(sender_.calls(), 1u);
  EXPECT_EQ(scheduler_.pending(), 1u);
  sender_.respond_synchronously(SendResult::ok());
  fire_retry();
  EXPECT_EQ(a.outcome.delivered, 1u);
  EXPECT_TRUE(pump->idle());
}

}  // namespace
}  // namespace vigil::core
