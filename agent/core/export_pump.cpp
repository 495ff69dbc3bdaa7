#include "agent/core/export_pump.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>
#include <vector>

#include "agent/core/signal.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::core {

namespace {

// A server's error body can be a whole HTML page; the log needs its start only.
constexpr std::size_t kMaxReasonInLog = 512;

std::string_view clip(std::string_view reason) { return reason.substr(0, kMaxReasonInLog); }

std::size_t signal_index(Signal s) { return static_cast<std::size_t>(s); }

std::int64_t to_millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

struct ExportPump::InFlight {
  QueueEntry entry;
  // Retries scheduled so far: the back-off attempt number of the next one.
  std::uint32_t retries = 0;
  std::optional<MonoTime> first_failure;
  std::unique_ptr<TimerHandle> retry_timer;
  // Nonzero while a send is under way: identifies its result, so a stale or repeated
  // callback cannot settle a later attempt.
  std::uint64_t send_seq = 0;
};

// Looked up once: the registry's lookups take a lock and build label vectors.
struct ExportPump::Counters {
  std::array<telemetry::Counter*, std::size(kAllSignals)> sent{};
  std::array<telemetry::Counter*, std::size(kAllSignals)> failed{};
  telemetry::Counter* retries = nullptr;
  telemetry::Counter* rejected = nullptr;
  telemetry::Counter* permanent_error = nullptr;
  telemetry::Counter* retries_exhausted = nullptr;
};

ExportPump::ExportPump(ExportPumpOptions options, Queue& queue, Sender& sender,
                       Scheduler& scheduler, const Clock& clock, Random& random,
                       telemetry::MetricsRegistry& metrics, telemetry::Logger& logger)
    : options_(std::move(options)),
      queue_(queue),
      sender_(sender),
      scheduler_(scheduler),
      clock_(clock),
      random_(random),
      metrics_(metrics),
      logger_(logger),
      policy_(options_.retry),
      counters_(std::make_unique<Counters>()) {
  options_.concurrency = std::max<std::size_t>(options_.concurrency, 1);
  const std::string& id = options_.exporter;
  for (Signal s : kAllSignals) {
    const telemetry::Labels labels = {{"component", id}, {"signal", std::string(to_string(s))}};
    counters_->sent[signal_index(s)] = &metrics_.counter(
        "vigil_sent_items_total", "Items the backend accepted, by exporter and signal.", labels);
    counters_->failed[signal_index(s)] =
        &metrics_.counter("vigil_failed_items_total",
                          "Items in send attempts that failed, by exporter and signal.", labels);
  }
  counters_->retries = &metrics_.counter(
      "vigil_retries_total", "Retries scheduled, in batches, by exporter.", {{"component", id}});
  counters_->rejected = &metrics_.dropped_items(id, "rejected");
  counters_->permanent_error = &metrics_.dropped_items(id, "permanent_error");
  counters_->retries_exhausted = &metrics_.dropped_items(id, "retries_exhausted");
}

ExportPump::~ExportPump() {
  // Results and timers arriving from now on must find nothing; the queue must not call in.
  alive_.reset();
  queue_.set_ready_callback(nullptr);
  // Not completed in the queue: what was not delivered stays owed. The tickets settle
  // kAbandoned as the entries go.
  in_flight_.clear();
}

void ExportPump::start() {
  running_ = true;
  // Captures only `this` (the destructor unwires it), so copying it allocates nothing.
  queue_.set_ready_callback([this] { pump(); });
  std::weak_ptr<bool> alive = alive_;
  // Batches whose retry stop() cancelled go out again first: they are older than the queue's.
  std::vector<std::uint64_t> parked;
  for (const auto& [id, entry] : in_flight_) {
    if (entry->send_seq == 0 && entry->retry_timer == nullptr) parked.push_back(id);
  }
  std::sort(parked.begin(), parked.end());
  for (std::uint64_t id : parked) {
    if (!running_) return;
    attempt(id);
    if (alive.expired()) return;
  }
  pump();
}

void ExportPump::stop() {
  running_ = false;
  for (auto& [id, entry] : in_flight_) entry->retry_timer.reset();
}

bool ExportPump::idle() const {
  const QueueStats stats = queue_.stats();
  return in_flight_.empty() && stats.batches == stats.in_flight;
}

void ExportPump::pump() {
  if (pumping_) return;
  pumping_ = true;
  std::weak_ptr<bool> alive = alive_;
  while (running_ && in_flight_.size() < options_.concurrency) {
    std::optional<QueueEntry> next = queue_.take();
    if (!next) break;
    const std::uint64_t id = next->id;
    auto entry = std::make_unique<InFlight>();
    entry->entry = std::move(*next);
    in_flight_.emplace(id, std::move(entry));
    attempt(id);
    if (alive.expired()) return;
  }
  pumping_ = false;
}

void ExportPump::attempt(std::uint64_t id) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  InFlight& entry = *it->second;
  entry.retry_timer.reset();
  const std::uint64_t seq = next_send_seq_++;
  entry.send_seq = seq;
  // The callback holds the batch, so a sender may use it until it reports, even if the pump
  // is destroyed first.
  BatchPtr batch = entry.entry.batch;
  const Batch& ref = *batch;
  sender_.send(ref, [this, alive = std::weak_ptr<bool>(alive_), id, seq,
                     batch = std::move(batch)](SendResult result) {
    if (alive.expired()) return;
    on_result(id, seq, std::move(result));
  });
}

void ExportPump::on_result(std::uint64_t id, std::uint64_t send_seq, SendResult result) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end() || it->second->send_seq != send_seq) return;
  InFlight& entry = *it->second;
  entry.send_seq = 0;
  const Batch& batch = *entry.entry.batch;
  const std::size_t signal = signal_index(batch.signal);

  switch (result.status) {
    case SendResult::Status::kOk: {
      const std::uint64_t rejected = std::min(result.rejected_items, batch.items);
      counters_->sent[signal]->add(batch.items - rejected);
      if (rejected > 0) {
        counters_->rejected->add(rejected);
        logger_.warn(options_.exporter, "backend rejected {} of {} {} items: {}", rejected,
                     batch.items, to_string(batch.signal), clip(result.reason));
      }
      finish(id, Settlement::kDelivered);
      return;
    }
    case SendResult::Status::kPermanent:
      counters_->failed[signal]->add(batch.items);
      drop(id, entry, *counters_->permanent_error, "permanent_error", result.reason);
      return;
    case SendResult::Status::kRetryable:
      counters_->failed[signal]->add(batch.items);
      on_retryable(id, entry, std::move(result));
      return;
  }
}

void ExportPump::on_retryable(std::uint64_t id, InFlight& entry, SendResult result) {
  const MonoTime now = clock_.monotonic();
  if (!entry.first_failure) entry.first_failure = now;
  if (!policy_.config().enabled || policy_.exhausted(now - *entry.first_failure)) {
    drop(id, entry, *counters_->retries_exhausted, "retries_exhausted", result.reason);
    return;
  }
  // Stopped: the batch stays parked (abandoned on destruction, resent by start()).
  if (!running_) return;

  const Duration delay = policy_.delay(entry.retries, result.retry_after, random_);
  ++entry.retries;
  counters_->retries->add();
  logger_.warn(options_.exporter, "send of {} {} items failed ({}); retry {} in {} ms",
               entry.entry.batch->items, to_string(entry.entry.batch->signal), clip(result.reason),
               entry.retries, to_millis(delay));
  entry.retry_timer = scheduler_.schedule(delay, [this, alive = std::weak_ptr<bool>(alive_), id] {
    if (alive.expired()) return;
    attempt(id);
  });
}

void ExportPump::drop(std::uint64_t id, const InFlight& entry, telemetry::Counter& counter,
                      std::string_view reason, std::string_view why) {
  const Batch& batch = *entry.entry.batch;
  counter.add(batch.items);
  if (entry.retries > 0) {
    logger_.error(options_.exporter, "dropped {} {} items ({}, after {} retries): {}", batch.items,
                  to_string(batch.signal), reason, entry.retries, clip(why));
  } else {
    logger_.error(options_.exporter, "dropped {} {} items ({}): {}", batch.items,
                  to_string(batch.signal), reason, clip(why));
  }
  finish(id, Settlement::kDropped);
}

void ExportPump::finish(std::uint64_t id, Settlement how) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;
  std::unique_ptr<InFlight> entry = std::move(it->second);
  in_flight_.erase(it);
  std::weak_ptr<bool> alive = alive_;
  // The source's callback runs here and may reach back into the pipeline.
  entry->entry.ticket.settle(how);
  if (alive.expired()) return;
  queue_.complete(id);
  if (alive.expired()) return;
  pump();
}

}  // namespace vigil::core
