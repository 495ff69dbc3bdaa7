#pragma once

#include <chrono>
#include <cstdint>

namespace vigil::core {

using Duration = std::chrono::nanoseconds;
// Monotonic time since an arbitrary origin.
using MonoTime = std::chrono::nanoseconds;

// Injected everywhere time is read, so tests control it (see FakeClock in tests/unit/support).
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic; never goes back. Use for timeouts, back-off and rates.
  virtual MonoTime monotonic() const = 0;
  // Wall clock, nanoseconds since the Unix epoch. Use for telemetry timestamps.
  virtual std::int64_t unix_nanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonoTime monotonic() const override {
    return std::chrono::duration_cast<MonoTime>(
        std::chrono::steady_clock::now().time_since_epoch());
  }
  std::int64_t unix_nanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace vigil::core
