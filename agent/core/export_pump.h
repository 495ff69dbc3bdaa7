#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
// loop thread. Network errors and timeouts must be reported kRetryable.
class Sender {
 public:
  virtual ~Sender() = default;
  virtual void send(const Batch& batch, std::function<void(SendResult)> done) = 0;
};

struct ExportPumpOptions {
  std::string exporter;       // exporter id for metrics and logs
  std::size_t concurrency = 1;  // batches in flight at once
  RetryConfig retry;
};

// Moves batches from a queue to a sender: up to `concurrency` in flight; retries with the
// policy's back-off; settles each batch's ticket (kDelivered, or kDropped on a permanent error
// or exhausted retries) and counts vigil_sent_items_total / vigil_failed_items_total /
// vigil_dropped_items_total / vigil_retries_total for the exporter.
class ExportPump {
 public:
  ExportPump(ExportPumpOptions options, Queue& queue, Sender& sender, Scheduler& scheduler,
             const Clock& clock, Random& random, telemetry::MetricsRegistry& metrics,
             telemetry::Logger& logger);
  ~ExportPump();
  ExportPump(const ExportPump&) = delete;
  ExportPump& operator=(const ExportPump&) = delete;

  // Begins taking from the queue (and wires the queue's ready callback).
  void start();
  // Stops taking new batches and cancels pending retry timers; batches waiting for a retry
  // go back to being abandoned (their tickets settle kAbandoned when the pump is destroyed).
  void stop();
  // Nothing waiting in the queue and nothing in flight or waiting for a retry.
  bool idle() const;

 private:
  struct InFlight;
  void pump();
  void attempt(std::uint64_t id);
  void on_result(std::uint64_t id, SendResult result);
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
  bool running_ = false;
  std::unordered_map<std::uint64_t, std::unique_ptr<InFlight>> in_flight_;
  // Guards callbacks that arrive after destruction.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::core
