#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/queue.h"

namespace vigil::telemetry {
class MetricsRegistry;
class Logger;
class Counter;
}  // namespace vigil::telemetry

namespace vigil::core {

// `type = "memory"`: a queue bounded in payload bytes (waiting + in flight). Nothing survives
// the process, which is why its tickets settle only when a batch is delivered or dropped: the
// sources keep what is not yet safe (DESIGN.md section 4). Loop thread only.
class MemoryQueue final : public Queue {
 public:
  MemoryQueue(std::string exporter_id, std::uint64_t max_bytes, WhenFull when_full,
              telemetry::MetricsRegistry& metrics, telemetry::Logger& logger);
  ~MemoryQueue() override;
  MemoryQueue(const MemoryQueue&) = delete;
  MemoryQueue& operator=(const MemoryQueue&) = delete;

  bool would_block(std::size_t bytes) const override;
  void push(BatchPtr batch, AckTicket ticket) override;
  std::optional<QueueEntry> take() override;
  void complete(std::uint64_t id) override;
  void set_ready_callback(std::function<void()> on_ready) override;
  void set_space_callback(std::function<void()> on_space) override;
  std::uint64_t abandon_waiting() override;
  QueueStats stats() const override;

 private:
  struct Waiting {
    std::uint64_t id;
    BatchPtr batch;
    AckTicket ticket;
  };
  // In-flight batches are few (the pump's concurrency), so a flat vector beats a map and
  // allocates nothing once it has grown.
  struct Taken {
    std::uint64_t id;
    std::uint64_t bytes;
    std::uint64_t items;
  };

  // Whether `bytes` more fit; `ignoring_waiting` asks as if every waiting batch were evicted.
  bool fits(std::uint64_t bytes, bool ignoring_waiting) const;
  void drop(const Batch& batch, AckTicket& ticket, std::string_view which);
  void notify_ready();
  void notify_space();

  std::string exporter_id_;
  std::uint64_t max_bytes_;
  WhenFull when_full_;
  telemetry::Logger& logger_;
  telemetry::Counter& dropped_full_;

  std::deque<Waiting> waiting_;
  std::vector<Taken> taken_;
  std::uint64_t waiting_bytes_ = 0;
  std::uint64_t waiting_items_ = 0;
  std::uint64_t taken_bytes_ = 0;
  std::uint64_t taken_items_ = 0;
  std::uint64_t next_id_ = 1;
  std::function<void()> on_ready_;
  std::function<void()> on_space_;
};

}  // namespace vigil::core
