#pragma once

#include <functional>

#include <uv.h>

#include "agent/core/clock.h"
#include "agent/net/uv_handle.h"

namespace vigil::net {

// A libuv timer with a std::function callback. Destroying it cancels it.
class UvTimer {
 public:
  explicit UvTimer(uv_loop_t* loop);
  UvTimer(const UvTimer&) = delete;
  UvTimer& operator=(const UvTimer&) = delete;

  // One shot after `delay`; with a non-zero `repeat`, again every `repeat`. Restarts if active.
  void start(core::Duration delay, std::function<void()> callback,
             core::Duration repeat = core::Duration::zero());
  void stop();
  bool active() const;
  // Keeps the loop from staying alive for this timer alone (for periodic housekeeping).
  void unref();

 private:
  UvHandle<uv_timer_t> handle_;
  std::function<void()> callback_;
};

}  // namespace vigil::net
