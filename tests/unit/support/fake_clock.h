#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "agent/core/clock.h"
#include "agent/core/random.h"
#include "agent/core/scheduler.h"

namespace vigil::testing {

// A clock that moves only when told.
class FakeClock final : public core::Clock {
 public:
  core::MonoTime monotonic() const override { return mono_; }
  std::int64_t unix_nanos() const override { return unix_nanos_; }
  void advance(core::Duration d) {
    mono_ += d;
    unix_nanos_ += d.count();
  }
  void set_unix_nanos(std::int64_t t) { unix_nanos_ = t; }

 private:
  core::MonoTime mono_{std::chrono::seconds(1000)};
  std::int64_t unix_nanos_ = 1'700'000'000'000'000'000;
};

// A scheduler whose timers fire when the test advances its FakeClock through run_until /
// advance. Callbacks run in due order; a callback may schedule more timers.
class FakeScheduler final : public core::Scheduler {
 public:
  explicit FakeScheduler(FakeClock& clock) : clock_(clock) {}

  std::unique_ptr<core::TimerHandle> schedule(core::Duration delay,
                                              std::function<void()> callback) override {
    auto id = next_id_++;
    timers_.emplace(std::make_pair(clock_.monotonic() + delay, id), std::move(callback));
    return std::make_unique<Handle>(this, id);
  }

  // Advances the clock by `d`, firing every timer that falls due on the way.
  void advance(core::Duration d) {
    auto target = clock_.monotonic() + d;
    while (!timers_.empty() && timers_.begin()->first.first <= target) {
      auto it = timers_.begin();
      auto due = it->first.first;
      auto cb = std::move(it->second);
      timers_.erase(it);
      if (due > clock_.monotonic()) clock_.advance(due - clock_.monotonic());
      cb();
    }
    if (target > clock_.monotonic()) clock_.advance(target - clock_.monotonic());
  }

  std::size_t pending() const { return timers_.size(); }
  // Delay until the earliest pending timer (zero if none).
  core::Duration next_delay() const {
    if (timers_.empty()) return core::Duration::zero();
    return timers_.begin()->first.first - clock_.monotonic();
  }

 private:
  class Handle final : public core::TimerHandle {
   public:
    Handle(FakeScheduler* owner, std::uint64_t id) : owner_(owner), id_(id) {}
    ~Handle() override { cancel(); }
    void cancel() override {
      if (owner_ == nullptr) return;
      std::erase_if(owner_->timers_, [&](const auto& kv) { return kv.first.second == id_; });
      owner_ = nullptr;
    }

   private:
    FakeScheduler* owner_;
    std::uint64_t id_;
  };

  FakeClock& clock_;
  std::map<std::pair<core::MonoTime, std::uint64_t>, std::function<void()>> timers_;
  std::uint64_t next_id_ = 1;
};

// Returns the values given, in turn (then repeats the last).
class ScriptedRandom final : public core::Random {
 public:
  explicit ScriptedRandom(std::initializer_list<double> values) : values_(values) {}
  double uniform01() override {
    if (values_.empty()) return 0.5;
    double v = values_[std::min(index_, values_.size() - 1)];
    ++index_;
    return v;
  }

 private:
  std::vector<double> values_;
  std::size_t index_ = 0;
};

}  // namespace vigil::testing
