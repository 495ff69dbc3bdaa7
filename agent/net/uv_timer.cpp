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
  uv_timer_start(
      handle_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<UvTimer*>(t->data);
        if (self == nullptr || !self->callback_) return;
        // Copy: the callback may restart or destroy this timer.
        auto cb = self->callback_;
        cb();
      },
      to_ms_ceil(delay), to_ms_ceil(repeat));
}

void UvTimer::stop() {
  if (handle_.initialized()) uv_timer_stop(handle_.get());
}

bool UvTimer::active() const { return handle_.initialized() && uv_is_active(handle_.base()) != 0; }

void UvTimer::unref() { uv_unref(handle_.base()); }

}  // namespace vigil::net
