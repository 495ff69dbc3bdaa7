#pragma once

#include <uv.h>

#include "agent/core/scheduler.h"

namespace vigil::net {

// core::Scheduler on libuv timers.
class UvScheduler final : public core::Scheduler {
 public:
  explicit UvScheduler(uv_loop_t* loop) : loop_(loop) {}
  std::unique_ptr<core::TimerHandle> schedule(core::Duration delay,
                                              std::function<void()> callback) override;

 private:
  uv_loop_t* loop_;
};

}  // namespace vigil::net
