#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "agent/core/ack.h"
#include "agent/core/batch.h"

namespace vigil::core {

enum class WhenFull : std::uint8_t { kBlock, kDropNewest, kDropOldest };

constexpr std::string_view to_string(WhenFull w) {
  switch (w) {
    case WhenFull::kBlock:
      return "block";
    case WhenFull::kDropNewest:
      return "drop_newest";
    case WhenFull::kDropOldest:
      return "drop_oldest";
  }
  return "block";
}

// A batch handed from a queue to its exporter.
struct QueueEntry {
  std::uint64_t id = 0;  // assigned by the queue, increasing
  BatchPtr batch;
  // Empty when the queue already settled the share (a disk queue settles kDurable on write);
  // otherwise the exporter's pump settles it when the batch is delivered or dropped.
  AckTicket ticket;
};

// What a queue holds: every count covers waiting and in-flight batches alike, because a batch
// in flight still occupies its space until complete().
struct QueueStats {
  std::uint64_t bytes = 0;      // payload bytes, waiting + in flight
  std::uint64_t items = 0;      // items, waiting + in flight
  std::uint64_t batches = 0;    // batches, waiting + in flight
  std::uint64_t in_flight = 0;  // batches taken and not yet completed (included in `batches`)
  std::uint64_t capacity_bytes = 0;
};

// One exporter's buffer (DESIGN.md section 4). Owned by the loop thread; no locks.
// Implementations: MemoryQueue (memory_queue.h); the disk write-ahead log comes later and
// settles tickets kDurable once a batch is fsynced.
class Queue {
 public:
  virtual ~Queue() = default;

  // True when a batch of `bytes` would not fit now and the policy is `block`: the router then
  // refuses the whole batch (back-pressure) instead of pushing it anywhere.
  virtual bool would_block(std::size_t bytes) const = 0;

  // Takes the batch. Under drop_newest / drop_oldest this may drop the new batch or the oldest
  // waiting ones (never one in flight): their tickets settle kDropped and the items are counted
  // in vigil_dropped_items_total{component=<exporter>,reason="queue_full"}. A batch larger than
  // the whole capacity is accepted only into an empty queue, so it can never wedge the queue.
  // Under block the caller must have checked would_block(); a batch pushed anyway is kept (the
  // bound is exceeded by that batch) rather than lost. Ticket settlement and the ready callback
  // may run synchronously inside push().
  virtual void push(BatchPtr batch, AckTicket ticket) = 0;

  // The oldest waiting batch, now in flight; nullopt when none waits.
  virtual std::optional<QueueEntry> take() = 0;

  // The exporter is done with entry `id` (delivered or dropped): release its space. A disk
  // queue also forgets the record, so never complete a batch that was not delivered or dropped:
  // an entry taken and never completed is replayed by a disk queue after a restart.
  virtual void complete(std::uint64_t id) = 0;

  // Called (on the loop) after a push makes a batch available to take().
  virtual void set_ready_callback(std::function<void()> on_ready) = 0;
  // Called (on the loop) when space is freed, so blocked sources can try again.
  virtual void set_space_callback(std::function<void()> on_space) = 0;

  // Drops every waiting batch (shutdown after the drain deadline): tickets settle kAbandoned
  // for memory queues (nothing acknowledged is lost: the sources were never acked).
  // Returns the number of items discarded.
  virtual std::uint64_t abandon_waiting() = 0;

  virtual QueueStats stats() const = 0;
};

}  // namespace vigil::core
