#include "agent/net/uv_scheduler.h"

#include "agent/net/uv_timer.h"

namespace vigil::net {

namespace {
class UvTimerHandle final : public core::TimerHandle {
 public:
  UvTimerHandle(uv_loop_t* loop, core::Duration delay, std::function<void()> callback)
      : timer_(loop) {
    timer_.start(delay, std::move(callback));
  }
  void cancel() override { timer_.stop(); }

 private:
  UvTimer timer_;
};
}  // namespace

std::unique_ptr<core::TimerHandle> UvScheduler::schedule(core::Duration delay,
                                                         std::function<void()> callback) {
  return std::make_unique<UvTimerHandle>(loop_, delay, std::move(callback));
}

}  // namespace vigil::net
