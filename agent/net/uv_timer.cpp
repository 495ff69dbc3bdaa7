#include "agent/net/uv_timer.h"

#include <chrono>
#include <cstdlib>

namespace vigil::net {

namespace {
std::uint64_t to_ms_ceil(core::Duration d) {
  if (d <= core::Duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return static_cast<std::uint64_t>(ms);
}

// How many timer callbacks are running on this thread's loop. libuv 1.44 runs, in the same pass,
// any timer armed from a timer callback whose due time has come: a zero delay chain that waits
// for I/O (a job's completion, a socket) would then spin for ever without polling. Per thread
// because each loop runs on one thread; it describes where the thread is, not shared state.
thread_local int timer_callbacks_running = 0;

struct TimerCallbackScope {
  TimerCallbackScope() { ++timer_callbacks_running; }
  ~TimerCallbackScope() { --timer_callbacks_running; }
  TimerCallbackScope(const TimerCallbackScope&) = delete;
  TimerCallbackScope& operator=(const TimerCallbackScope&) = delete;
};
}  // namespace

UvTimer::UvTimer(uv_loop_t* loop) {
  // uv_timer_init cannot fail on a valid loop.
  if (uv_timer_init(loop, handle_.get()) != 0) std::abort();
  handle_.mark_initialized();
  handle_.get()->data = this;
}

void UvTimer::start(core::Duration delay, std::function<void()> callback, core::Duration repeat) {
  callback_ = std::move(callback);
  handle_.get()->data = this;
  std::uint64_t delay_ms = to_ms_ceil(delay);
  // From inside a timer callback, "now" waits for the next loop turn: at least 1 ms.
  if (delay_ms == 0 && timer_callbacks_running > 0) delay_ms = 1;
  uv_timer_start(
      handle_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<UvTimer*>(t->data);
        if (self == nullptr || !self->callback_) return;
        // Copy: the callback may restart or destroy this timer.
        auto cb = self->callback_;
        TimerCallbackScope scope;
        cb();
      },
      delay_ms, to_ms_ceil(repeat));
}

void UvTimer::stop() {
  if (handle_.initialized()) uv_timer_stop(handle_.get());
}

bool UvTimer::active() const { return handle_.initialized() && uv_is_active(handle_.base()) != 0; }

void UvTimer::unref() { uv_unref(handle_.base()); }

}  // namespace vigil::net
