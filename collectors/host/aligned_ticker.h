#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "agent/core/clock.h"
#include "agent/core/scheduler.h"

namespace vigil::collectors::host {

// Calls `on_tick(t)` at every wall-clock multiple t of `interval` (a 10 s interval ticks at
// :00, :10, ...), t being the boundary the tick is for. A timer that fires a little early or
// late keeps its boundary; after a stall or a wall-clock step of more than an interval, the
// tick takes the latest boundary, without catching up in a burst.
class AlignedTicker {
 public:
  AlignedTicker(const core::Clock& clock, core::Scheduler& scheduler, core::Duration interval,
                std::function<void(std::int64_t boundary_unix_nanos)> on_tick);
  ~AlignedTicker();
  AlignedTicker(const AlignedTicker&) = delete;
  AlignedTicker& operator=(const AlignedTicker&) = delete;

  void start();
  void stop();

 private:
  void schedule(std::int64_t now_unix_nanos);
  void fire();

  const core::Clock& clock_;
  core::Scheduler& scheduler_;
  std::int64_t step_;
  std::function<void(std::int64_t)> on_tick_;
  std::unique_ptr<core::TimerHandle> timer_;
  std::int64_t next_ = 0;
  bool running_ = false;
};

// The latest multiple of `step` at or before `t` (floor division: right for any clock value).
std::int64_t boundary_at_or_before(std::int64_t t, std::int64_t step);

}  // namespace vigil::collectors::host
