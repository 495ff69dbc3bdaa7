#include "collectors/host/aligned_ticker.h"

#include <algorithm>
#include <utility>

namespace vigil::collectors::host {

std::int64_t boundary_at_or_before(std::int64_t t, std::int64_t step) {
  const std::int64_t remainder = ((t % step) + step) % step;
  return t - remainder;
}

AlignedTicker::AlignedTicker(const core::Clock& clock, core::Scheduler& scheduler,
                             core::Duration interval, std::function<void(std::int64_t)> on_tick)
    : clock_(clock),
      scheduler_(scheduler),
      step_(std::max<std::int64_t>(1, interval.count())),
      on_tick_(std::move(on_tick)) {}

AlignedTicker::~AlignedTicker() = default;

void AlignedTicker::start() {
  if (running_) return;
  running_ = true;
  const std::int64_t now = clock_.unix_nanos();
  next_ = boundary_at_or_before(now, step_) + step_;
  schedule(now);
}

void AlignedTicker::stop() {
  running_ = false;
  timer_.reset();
}

void AlignedTicker::schedule(std::int64_t now_unix_nanos) {
  const auto delay = core::Duration(std::max<std::int64_t>(0, next_ - now_unix_nanos));
  timer_ = scheduler_.schedule(delay, [this] { fire(); });
}

void AlignedTicker::fire() {
  if (!running_) return;
  const std::int64_t now = clock_.unix_nanos();
  std::int64_t boundary = next_;
  const bool far_off = now >= boundary + step_ || now + step_ < boundary;
  if (far_off) boundary = boundary_at_or_before(now, step_);
  next_ = boundary + step_;
  schedule(now);
  on_tick_(boundary);
}

}  // namespace vigil::collectors::host
