#include "agent/aws/caching_credential_provider.h"

#include <deque>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/aws/sigv4_signer.h"
#include "agent/telemetry/logger.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::aws {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A source whose fetches the test completes by hand.
class ManualSource final : public CredentialSource {
 public:
  std::string name() const override { return "manual"; }
  SourceCheck check() const override { return {true, "manual"}; }
  void fetch(CredentialsCallback done) override {
    ++fetches;
    pending.push_back(std::move(done));
  }
  void complete(core::Result<Credentials> result) {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.pop_front();
    done(std::move(result));
  }
  int fetches = 0;
  std::deque<CredentialsCallback> pending;
};

class CachingProviderTest : public ::testing::Test {
 protected:
  CachingProviderTest()
      : logger_(telemetry::Logger::Options{telemetry::LogLevel::kDebug}, clock_,
                [this](std::string_view line) { log_ += std::string(line) + "\n"; }) {
    auto source = std::make_unique<ManualSource>();
    source_ = source.get();
    provider_ = std::make_unique<CachingCredentialProvider>(
        std::move(source),
        CachingCredentialProvider::Options{&scheduler_, &clock_, &logger_, "exporter/x", 5min});
  }

  Credentials expiring_in(core::Duration lifetime, std::string key = "ASIA1") {
    return Credentials{
        std::move(key), "the-secret", "the-token",
        wall_time(clock_) +
            std::chrono::duration_cast<std::chrono::system_clock::duration>(lifetime),
        "manual"};
  }

  // get() answered inside the call (from the cache, or a remembered error).
  // When it is not, the callback stays queued: it writes to storage that outlives this call.
  std::optional<core::Result<Credentials>> get_now() {
    auto result = std::make_shared<std::optional<core::Result<Credentials>>>();
    provider_->get([result](core::Result<Credentials> r) { *result = std::move(r); });
    return *result;
  }

  testing::FakeClock clock_;
  testing::FakeScheduler scheduler_{clock_};
  std::string log_;
  telemetry::Logger logger_;
  ManualSource* source_ = nullptr;
  std::unique_ptr<CachingCredentialProvider> provider_;
};

TEST_F(CachingProviderTest, CallersWaitingTogetherShareOneFetch) {
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    provider_->get([&](core::Result<Credentials> c) {
      ASSERT_TRUE(c);
      EXPECT_EQ(c->access_key_id, "ASIA1");
      ++answered;
    });
  }
  EXPECT_EQ(source_->fetches, 1);
  EXPECT_EQ(answered, 0);
  source_->complete(expiring_in(1h));
  EXPECT_EQ(answered, 3);
  EXPECT_THAT(log_, HasSubstr("exporter/x: AWS credentials from manual (access key ****SIA1"));
  EXPECT_THAT(log_, ::testing::Not(HasSubstr("the-secret")));
  EXPECT_THAT(log_, ::testing::Not(HasSubstr("the-token")));
}

TEST_F(CachingProviderTest, StaticCredentialsAreFetchedOnce) {
  get_now();
  source_->complete(Credentials{"AKIA", "s", "", std::nullopt, "manual"});
  EXPECT_EQ(scheduler_.pending(), 0u);
  scheduler_.advance(24h * 30);
  auto c = get_now();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ(source_->fetches, 1);
}

TEST_F(CachingProviderTest, ShortLivedCredentialsRefreshHalfwayThrough) {
  get_now();
  source_->complete(expiring_in(8min));
  EXPECT_EQ(scheduler_.next_delay(), 4min);
  scheduler_.advance(4min);
  EXPECT_EQ(source_->fetches, 2);
}

TEST_F(CachingProviderTest, AFailedRefreshKeepsTheCurrentCredentialsAndTriesAgain) {
  get_now();
  source_->complete(expiring_in(1h));
  scheduler_.advance(55min);
  ASSERT_EQ(source_->fetches, 2);
  source_->complete(core::make_error("STS is down"));
  EXPECT_THAT(log_, HasSubstr("cannot get AWS credentials: STS is down; still using the current"));
  auto c = get_now();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->access_key_id, "ASIA1");
  // Tried again after the back-off (1 s), well before they expire.
  ASSERT_EQ(scheduler_.pending(), 1u);
  EXPECT_EQ(scheduler_.next_delay(), 1s);
  scheduler_.advance(1s);
  EXPECT_EQ(source_->fetches, 3);
  source_->complete(expiring_in(1h, "ASIA2"));
  c = get_now();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->access_key_id, "ASIA2");
}

TEST_F(CachingProviderTest, ExpiredCredentialsAreNotHandedOut) {
  get_now();
  source_->complete(expiring_in(1h));
  scheduler_.advance(55min);  // the refresh starts, and hangs
  ASSERT_EQ(source_->pending.size(), 1u);
  scheduler_.advance(4min + 44s);  // 16 s left: still handed out
  auto c = get_now();
  ASSERT_TRUE(c && *c);
  scheduler_.advance(2s);  // 14 s left: too close to the expiration, the caller waits
  std::optional<core::Result<Credentials>> later;
  provider_->get([&](core::Result<Credentials> r) { later = std::move(r); });
  EXPECT_FALSE(later);
  source_->complete(core::make_error("STS timed out"));
  ASSERT_TRUE(later);
  ASSERT_FALSE(*later);
  EXPECT_EQ(later->error().message, "STS timed out");
}

TEST_F(CachingProviderTest, CredentialsAlreadyExpiredOnArrivalAreAnError) {
  std::optional<core::Result<Credentials>> result;
  provider_->get([&](core::Result<Credentials> r) { result = std::move(r); });
  source_->complete(expiring_in(10s));
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_THAT(result->error().message, HasSubstr("already past (is the clock right?)"));
}

TEST_F(CachingProviderTest, FailuresBackOffDoublingToAMinute) {
  std::vector<core::Duration> waits;
  for (int i = 0; i < 9; ++i) {
    get_now();
    ASSERT_EQ(source_->pending.size(), 1u);
    source_->complete(core::make_error("nothing"));
    // Until the back-off passes, get() answers with the error, without a fetch.
    core::Duration waited = 0s;
    while (true) {
      auto c = get_now();
      if (!c) break;  // a new fetch started
      EXPECT_FALSE(*c);
      scheduler_.advance(100ms);
      waited += 100ms;
    }
    waits.push_back(waited);
  }
  EXPECT_EQ(waits[0], 1s);
  EXPECT_EQ(waits[1], 2s);
  EXPECT_EQ(waits[2], 4s);
  EXPECT_EQ(waits[5], 32s);
  EXPECT_EQ(waits[6], 60s);
  EXPECT_EQ(waits[8], 60s);
  source_->complete(core::make_error("nothing"));
}

TEST_F(CachingProviderTest, InvalidateFetchesAgainButNotInALoop) {
  get_now();
  source_->complete(Credentials{"AKIA1", "s", "", std::nullopt, "manual"});
  // Refused at once (fetched under 10 s ago): kept, no new fetch.
  provider_->invalidate();
  auto c = get_now();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ(source_->fetches, 1);
  // Refused later: the next get() fetches again.
  scheduler_.advance(11s);
  provider_->invalidate();
  EXPECT_THAT(log_, HasSubstr("AWS refused the credentials from manual (access key ****KIA1)"));
  EXPECT_FALSE(get_now());
  EXPECT_EQ(source_->fetches, 2);
  source_->complete(Credentials{"AKIA2", "s", "", std::nullopt, "manual"});
  c = get_now();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->access_key_id, "AKIA2");
}

TEST_F(CachingProviderTest, AnswersAfterDestructionAreDropped) {
  bool called = false;
  provider_->get([&](core::Result<Credentials>) { called = true; });
  auto done = std::move(source_->pending.front());
  source_->pending.clear();
  provider_.reset();
  done(expiring_in(1h));  // the source outlived its provider (it cannot, but must not crash)
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace vigil::aws
