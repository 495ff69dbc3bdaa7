#pragma once

#include <functional>
#include <memory>

#include "agent/core/clock.h"

namespace vigil::core {

// A pending one-shot timer. Destroying or cancelling it guarantees the callback will not run.
class TimerHandle {
 public:
  virtual ~TimerHandle() = default;
  virtual void cancel() = 0;
};

// Runs callbacks after a delay on the loop thread. The real one is backed by uv_timer_t
// (agent/net/uv_scheduler.h); tests use a fake driven by a FakeClock.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  [[nodiscard]] virtual std::unique_ptr<TimerHandle> schedule(Duration delay,
                                                              std::function<void()> callback) = 0;
};

}  // namespace vigil::core
