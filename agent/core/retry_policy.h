#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "agent/core/clock.h"
#include "agent/core/random.h"

namespace vigil::core {

// `[exporters.<kind>.retry]`.
struct RetryConfig {
  bool enabled = true;
  Duration initial_interval = std::chrono::seconds(1);
  Duration max_interval = std::chrono::seconds(30);
  double multiplier = 2.0;
  // Give up (drop, count reason "retries_exhausted") after this long; 0 = until delivered.
  Duration max_elapsed_time = Duration::zero();
};

// Exponential back-off with full jitter: attempt n (0-based) waits a uniform random time in
// [0, min(max_interval, initial_interval * multiplier^n)]. A server's Retry-After is honoured
// as the wait instead (never less than it asked, capped at max_retry_after).
class RetryPolicy {
 public:
  static constexpr Duration kMaxRetryAfter = std::chrono::minutes(10);

  explicit RetryPolicy(RetryConfig config) : config_(config) {}

  // The upper bound of the jitter window for attempt n.
  Duration backoff_ceiling(std::uint32_t attempt) const;
  // The wait before retry number `attempt` (0 = first retry): `retry_after` clamped to
  // [0, kMaxRetryAfter] when present, else uniform01() * backoff_ceiling(attempt).
  Duration delay(std::uint32_t attempt, std::optional<Duration> retry_after, Random& random) const;
  // Whether a batch that first failed `elapsed` ago should be given up (never when
  // max_elapsed_time is zero).
  bool exhausted(Duration elapsed) const;

  const RetryConfig& config() const { return config_; }

 private:
  RetryConfig config_;
};

// Parses an HTTP Retry-After value (RFC 9110 10.2.3): delay-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", also the obsolete RFC 850 "Wednesday, 21-Oct-15 07:28:00 GMT"
// and asctime "Wed Oct 21 07:28:00 2015" forms), exactly as the grammar spells them (case and
// spacing); independent of the process locale and time zone. A date yields the time from
// `now_unix_nanos` until it, zero when it has passed. Values beyond 10^9 seconds saturate
// there. nullopt when the value is malformed.
std::optional<Duration> parse_retry_after(std::string_view value, std::int64_t now_unix_nanos);

}  // namespace vigil::core
