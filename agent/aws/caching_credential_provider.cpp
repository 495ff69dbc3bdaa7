#include "agent/aws/caching_credential_provider.h"

#include <algorithm>

#include "agent/aws/aws_time.h"
#include "agent/aws/sigv4_signer.h"
#include "agent/telemetry/logger.h"

namespace vigil::aws {

namespace {

constexpr core::Duration kFirstRetry = std::chrono::seconds(1);
constexpr core::Duration kMaxRetry = std::chrono::minutes(1);
constexpr core::Duration kMinRefreshDelay = std::chrono::seconds(1);

std::string describe(const Credentials& c) {
  std::string text = c.source + " (access key " + masked_key(c.access_key_id);
  if (c.expiration) text += ", expire " + format_iso8601(*c.expiration);
  return text + ")";
}

}  // namespace

CachingCredentialProvider::CachingCredentialProvider(SourcePtr source, Options options)
    : source_(std::move(source)), options_(std::move(options)) {}

CachingCredentialProvider::~CachingCredentialProvider() = default;

std::chrono::system_clock::time_point CachingCredentialProvider::wall_now() const {
  return wall_time(*options_.clock);
}

bool CachingCredentialProvider::usable(const Credentials& credentials) const {
  return !credentials.expiration || wall_now() + kExpiryMargin < *credentials.expiration;
}

void CachingCredentialProvider::get(std::function<void(core::Result<Credentials>)> done) {
  if (cached_ && usable(*cached_)) {
    done(*cached_);
    return;
  }
  if (!fetching_ && last_error_ && options_.clock->monotonic() < retry_not_before_) {
    done(std::unexpected(*last_error_));
    return;
  }
  waiters_.push_back(std::move(done));
  if (!fetching_) start_fetch();
}

void CachingCredentialProvider::invalidate() {
  if (!cached_ || options_.clock->monotonic() - cached_at_ < kMinAgeToInvalidate) return;
  if (options_.logger != nullptr) {
    options_.logger->warn(options_.component, "AWS refused the credentials from {}; fetching again",
                          describe(*cached_));
  }
  cached_.reset();
  refresh_timer_.reset();
}

void CachingCredentialProvider::start_fetch() {
  fetching_ = true;
  std::weak_ptr<void> alive = alive_;
  source_->fetch([this, alive](core::Result<Credentials> result) {
    if (alive.expired()) return;
    on_fetched(std::move(result));
  });
}

void CachingCredentialProvider::on_fetched(core::Result<Credentials> result) {
  fetching_ = false;
  if (result && result->expiration && !usable(*result)) {
    result = core::make_error(result->source + " handed out credentials that expire at " +
                              format_iso8601(*result->expiration) +
                              ", already past (is the clock right?)");
  }
  if (result) {
    const bool changed = !cached_ || cached_->source != result->source ||
                         cached_->access_key_id != result->access_key_id;
    if (options_.logger != nullptr) {
      if (changed || last_error_) {
        options_.logger->info(options_.component, "AWS credentials from {}", describe(*result));
      } else {
        options_.logger->debug(options_.component, "AWS credentials refreshed from {}",
                               describe(*result));
      }
    }
    cached_ = std::move(*result);
    cached_at_ = options_.clock->monotonic();
    last_error_.reset();
    failures_ = 0;
    if (cached_->expiration) schedule_refresh(refresh_delay(*cached_));
  } else {
    ++failures_;
    const core::Duration backoff =
        std::min<core::Duration>(kMaxRetry, kFirstRetry * (1 << std::min(failures_ - 1, 10)));
    retry_not_before_ = options_.clock->monotonic() + backoff;
    last_error_ = result.error();
    const bool keeping = cached_ && usable(*cached_);
    if (options_.logger != nullptr) {
      options_.logger->warn(options_.component, "cannot get AWS credentials: {}{}",
                            result.error().message,
                            keeping ? "; still using the current ones" : "");
    }
    if (keeping) {
      // Try again before they run out, but not after.
      const auto left = *cached_->expiration - wall_now() - kExpiryMargin;
      schedule_refresh(std::clamp<core::Duration>(
          std::chrono::duration_cast<core::Duration>(left) / 2, kMinRefreshDelay, backoff));
    }
  }
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& done : waiters) {
    if (cached_ && usable(*cached_)) {
      done(*cached_);
    } else {
      done(std::unexpected(last_error_.value_or(core::Error{"no AWS credentials"})));
    }
  }
}

core::Duration CachingCredentialProvider::refresh_delay(const Credentials& credentials) const {
  const auto left =
      std::chrono::duration_cast<core::Duration>(*credentials.expiration - wall_now());
  // Credentials that live shorter than twice refresh_before: halfway through their life.
  return std::max({left - options_.refresh_before, left / 2, kMinRefreshDelay});
}

void CachingCredentialProvider::schedule_refresh(core::Duration delay) {
  std::weak_ptr<void> alive = alive_;
  refresh_timer_ = options_.scheduler->schedule(delay, [this, alive] {
    if (alive.expired() || fetching_) return;
    start_fetch();
  });
}

}  // namespace vigil::aws
