#include "agent/core/memory_queue.h"

#include <algorithm>
#include <utility>

#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::core {

MemoryQueue::MemoryQueue(std::string exporter_id, std::uint64_t max_bytes, WhenFull when_full,
                         telemetry::MetricsRegistry& metrics, telemetry::Logger& logger)
    : exporter_id_(std::move(exporter_id)),
      max_bytes_(max_bytes),
      when_full_(when_full),
      logger_(logger),
      dropped_full_(metrics.dropped_items(exporter_id_, "queue_full")) {}

// Waiting tickets settle kAbandoned as the deque is destroyed.
MemoryQueue::~MemoryQueue() = default;

bool MemoryQueue::fits(std::uint64_t bytes, bool ignoring_waiting) const {
  const bool empty = taken_.empty() && (ignoring_waiting || waiting_.empty());
  // An oversized batch must still get through an empty queue, or it would wedge its source.
  if (empty) return true;
  const std::uint64_t used = taken_bytes_ + (ignoring_waiting ? 0 : waiting_bytes_);
  return used <= max_bytes_ && bytes <= max_bytes_ - used;
}

bool MemoryQueue::would_block(std::size_t bytes) const {
  return when_full_ == WhenFull::kBlock && !fits(bytes, false);
}

void MemoryQueue::push(BatchPtr batch, AckTicket ticket) {
  if (batch == nullptr) return;  // nothing to carry; the ticket settles kAbandoned
  const std::uint64_t bytes = batch->payload.size();
  if (!fits(bytes, false)) {
    switch (when_full_) {
      case WhenFull::kBlock:
        // The caller skipped would_block(). Exceeding the bound by one batch is recoverable;
        // losing a batch its source thinks is queued is not.
        logger_.warn(exporter_id_,
                     "queue over capacity ({} + {} bytes of {}): a batch was pushed without "
                     "checking would_block",
                     waiting_bytes_ + taken_bytes_, bytes, max_bytes_);
        break;
      case WhenFull::kDropNewest:
        drop(*batch, ticket, "newest");
        return;
      case WhenFull::kDropOldest:
        // Evicting cannot help when in-flight batches alone leave too little room; then
        // evicting would lose the old batches and the new one as well.
        if (!fits(bytes, true)) {
          drop(*batch, ticket, "newest");
          return;
        }
        while (!waiting_.empty() && !fits(bytes, false)) {
          Waiting oldest = std::move(waiting_.front());
          waiting_.pop_front();
          waiting_bytes_ -= oldest.batch->payload.size();
          waiting_items_ -= oldest.batch->items;
          drop(*oldest.batch, oldest.ticket, "oldest");
        }
        break;
    }
  }
  waiting_bytes_ += bytes;
  waiting_items_ += batch->items;
  waiting_.push_back(Waiting{next_id_++, std::move(batch), std::move(ticket)});
  notify_ready();
}

void MemoryQueue::drop(const Batch& batch, AckTicket& ticket, std::string_view which) {
  dropped_full_.add(batch.items);
  logger_.warn(exporter_id_,
               "queue full ({} of {} bytes, when_full = {}): dropped the {} batch ({} items, {} "
               "bytes)",
               waiting_bytes_ + taken_bytes_, max_bytes_, to_string(when_full_), which, batch.items,
               batch.payload.size());
  ticket.settle(Settlement::kDropped);
}

std::optional<QueueEntry> MemoryQueue::take() {
  if (waiting_.empty()) return std::nullopt;
  Waiting next = std::move(waiting_.front());
  waiting_.pop_front();
  const std::uint64_t bytes = next.batch->payload.size();
  const std::uint64_t items = next.batch->items;
  waiting_bytes_ -= bytes;
  waiting_items_ -= items;
  taken_bytes_ += bytes;
  taken_items_ += items;
  taken_.push_back(Taken{next.id, bytes, items});
  return QueueEntry{next.id, std::move(next.batch), std::move(next.ticket)};
}

void MemoryQueue::complete(std::uint64_t id) {
  auto it = std::find_if(taken_.begin(), taken_.end(), [id](const Taken& t) { return t.id == id; });
  if (it == taken_.end()) return;  // unknown or already completed
  taken_bytes_ -= it->bytes;
  taken_items_ -= it->items;
  *it = taken_.back();
  taken_.pop_back();
  notify_space();
}

void MemoryQueue::set_ready_callback(std::function<void()> on_ready) {
  on_ready_ = std::move(on_ready);
}

void MemoryQueue::set_space_callback(std::function<void()> on_space) {
  on_space_ = std::move(on_space);
}

std::uint64_t MemoryQueue::abandon_waiting() {
  // Detach everything before settling: acknowledgement callbacks may call back into the queue.
  std::deque<Waiting> gone;
  gone.swap(waiting_);
  const std::uint64_t items = waiting_items_;
  waiting_bytes_ = 0;
  waiting_items_ = 0;
  for (Waiting& w : gone) w.ticket.settle(Settlement::kAbandoned);
  if (!gone.empty()) notify_space();
  return items;
}

QueueStats MemoryQueue::stats() const {
  QueueStats s;
  s.bytes = waiting_bytes_ + taken_bytes_;
  s.items = waiting_items_ + taken_items_;
  s.batches = waiting_.size() + taken_.size();
  s.in_flight = taken_.size();
  s.capacity_bytes = max_bytes_;
  return s;
}

// Callbacks are copied before they run, so one may replace itself (an owner going away).
void MemoryQueue::notify_ready() {
  if (!on_ready_) return;
  auto callback = on_ready_;
  callback();
}

void MemoryQueue::notify_space() {
  if (!on_space_) return;
  auto callback = on_space_;
  callback();
}

}  // namespace vigil::core
