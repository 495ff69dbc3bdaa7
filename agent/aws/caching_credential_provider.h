#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/aws/credential_provider.h"
#include "agent/aws/credential_source.h"

namespace vigil::aws {

// Caches a source's credentials and refreshes them before they expire, in the background:
// `refresh_before` ahead of the expiration (half the remaining time when they live shorter), by
// a timer on the scheduler, so the loop never waits on a fetch and get() answers at once while
// credentials are valid. Callers that ask while nothing valid is cached share one fetch. A failed
// fetch is not repeated for a while (1 s, doubling to 1 min), so exporters asking on every batch
// do not hammer IMDS or STS; a failed background refresh keeps the cached credentials while they
// are valid and tries again. Logs the source and the masked access key when it changes, never a
// secret.
class CachingCredentialProvider final : public CredentialProvider {
 public:
  struct Options {
    core::Scheduler* scheduler = nullptr;
    const core::Clock* clock = nullptr;
    telemetry::Logger* logger = nullptr;  // may be null
    std::string component = "aws";
    core::Duration refresh_before = std::chrono::minutes(5);
  };

  CachingCredentialProvider(SourcePtr source, Options options);
  ~CachingCredentialProvider() override;

  void get(std::function<void(core::Result<Credentials>)> done) override;
  void invalidate() override;

  // Credentials stop being handed out this long before they expire (a request signed with them
  // must still reach AWS in time).
  static constexpr core::Duration kExpiryMargin = std::chrono::seconds(15);
  // invalidate() keeps credentials younger than this.
  static constexpr core::Duration kMinAgeToInvalidate = std::chrono::seconds(10);

 private:
  bool usable(const Credentials& credentials) const;
  void start_fetch();
  void on_fetched(core::Result<Credentials> result);
  void schedule_refresh(core::Duration delay);
  core::Duration refresh_delay(const Credentials& credentials) const;
  std::chrono::system_clock::time_point wall_now() const;

  SourcePtr source_;
  Options options_;
  std::optional<Credentials> cached_;
  core::MonoTime cached_at_{};
  std::vector<std::function<void(core::Result<Credentials>)>> waiters_;
  bool fetching_ = false;
  std::optional<core::Error> last_error_;
  core::MonoTime retry_not_before_{};
  int failures_ = 0;
  std::unique_ptr<core::TimerHandle> refresh_timer_;
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace vigil::aws
