#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/core/batch.h"
#include "agent/core/clock.h"
#include "agent/core/queue.h"
#include "agent/core/random.h"
#include "agent/core/retry_policy.h"
#include "agent/core/scheduler.h"

namespace vigil::telemetry {
class MetricsRegistry;
class Logger;
class Counter;
}  // namespace vigil::telemetry

namespace vigil::core {

// An exporter's verdict on one send, classified by its protocol's rules (PROTOCOLS.md).
struct SendResult {
  enum class Status : std::uint8_t { kOk, kRetryable, kPermanent };
  Status status = Status::kOk;
  // Server-requested wait (Retry-After, gRPC RetryInfo), for kRetryable.
  std::optional<Duration> retry_after;
  // Why it failed (the server's message), for logs.
  std::string reason;
  // Partial success: items the backend refused although the request succeeded. Counted as
  // dropped (reason "rejected") and never retried.
  std::uint64_t rejected_items = 0;

  static SendResult ok() { return {}; }
  static SendResult retryable(std::string why, std::optional<Duration> after = std::nullopt) {
    SendResult r;
    r.status = Status::kRetryable;
    r.reason = std::move(why);
    r.retry_after = after;
    return r;
  }
  static SendResult permanent(std::string why) {
    SendResult r;
    r.status = Status::kPermanent;
    r.reason = std::move(why);
    return r;
  }
};

// What an exporter implements: deliver one batch and report the outcome exactly once, on the
// loop thread, either inside send() or later. Network errors and timeouts must be reported
// kRetryable. The batch stays alive until `done` has run or been destroyed, so an asynchronous
// send may keep referring to it.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual void send(const Batch& batch, std::function<void(SendResult)> done) = 0;
};

struct ExportPumpOptions {
  std::string exporter;         // exporter id for metrics and logs
  std::size_t concurrency = 1;  // batches in flight at once (including those awaiting a retry)
  RetryConfig retry;
};

// Moves batches from a queue to a sender: up to `concurrency` in flight; retries with the
// policy's back-off; settles each batch's ticket (kDelivered, or kDropped on a permanent error
// or exhausted retries). With concurrency 1, batches are delivered strictly in queue order: a
// batch waiting for its retry holds the only slot.
//
// Self-metrics, all labelled component=<exporter>:
//   vigil_sent_items_total{signal}     items the backend accepted (a partial success's
//                                      rejected items excluded)
//   vigil_failed_items_total{signal}   items in send attempts that failed (retryable or
//                                      permanent); a batch retried three times counts thrice
//   vigil_retries_total                retries scheduled, in batches
//   vigil_dropped_items_total{reason}  "rejected" (partial success), "permanent_error",
//                                      "retries_exhausted"
//
// Destroying the pump with batches in flight or awaiting a retry does not complete() them in
// the queue (a disk queue must replay what was not delivered); their tickets settle
// kAbandoned. Results that arrive after destruction are ignored. The queue must outlive the
// pump: the agent destroys pumps before queues.
class ExportPump {
 public:
  ExportPump(ExportPumpOptions options, Queue& queue, Sender& sender, Scheduler& scheduler,
             const Clock& clock, Random& random, telemetry::MetricsRegistry& metrics,
             telemetry::Logger& logger);
  ~ExportPump();
  ExportPump(const ExportPump&) = delete;
  ExportPump& operator=(const ExportPump&) = delete;

  // Begins taking from the queue (and wires the queue's ready callback). After stop(), also
  // resends the batches whose retries stop() cancelled.
  void start();
  // Stops taking new batches and cancels pending retry timers; batches waiting for a retry
  // go back to being abandoned (their tickets settle kAbandoned when the pump is destroyed).
  // Sends already under way still complete and settle as usual; a retryable failure among
  // them is not retried.
  void stop();
  // Nothing waiting in the queue and nothing in flight or waiting for a retry.
  bool idle() const;

 private:
  struct InFlight;
  struct Counters;
  void pump();
  void attempt(std::uint64_t id);
  void on_result(std::uint64_t id, std::uint64_t send_seq, SendResult result);
  void on_retryable(std::uint64_t id, InFlight& entry, SendResult result);
  // Drops the batch with `reason` (the label `counter` carries) because of `why`.
  void drop(std::uint64_t id, const InFlight& entry, telemetry::Counter& counter,
            std::string_view reason, std::string_view why);
  void finish(std::uint64_t id, Settlement how);

  ExportPumpOptions options_;
  Queue& queue_;
  Sender& sender_;
  Scheduler& scheduler_;
  const Clock& clock_;
  Random& random_;
  telemetry::MetricsRegistry& metrics_;
  telemetry::Logger& logger_;
  RetryPolicy policy_;
  std::unique_ptr<Counters> counters_;
  bool running_ = false;
  // pump() runs its loop once: calls from inside it (a synchronous send completing) only ask it
  // to look again, so a fast sender cannot grow the stack batch by batch.
  bool pumping_ = false;
  std::uint64_t next_send_seq_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<InFlight>> in_flight_;
  // Guards callbacks that arrive after destruction.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::core
