#include "collectors/host/statvfs_prober.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/host/statvfs_test_support.h"

namespace vigil::collectors::host {
namespace {

using Kind = StatvfsProber::Answer::Kind;
using testing::BlockingStatvfs;
using testing::TestLoop;

TEST(StatvfsProber, AHungCallNeitherBlocksTheLoopNorLaterRounds) {
  TestLoop loop;
  auto fake = std::make_shared<BlockingStatvfs>();
  fake->block("/nfs");
  int rounds_done = 0;
  StatvfsProber prober(loop.get(), BlockingStatvfs::function(fake), [&] { ++rounds_done; });
  const std::int32_t nfs = prober.acquire();
  const std::int32_t root = prober.acquire();
  const std::int32_t home = prober.acquire();

  // Round 1: /nfs hangs; the other two answer on the second thread.
  prober.submit(nfs, "/nfs");
  prober.submit(root, "/");
  prober.submit(home, "/home");
  ASSERT_TRUE(prober.start_round());
  ASSERT_TRUE(loop.run_until([&] { return fake->blocked_now() == 1 && prober.unanswered() == 1; }));
  loop.run_until([] { return false; }, std::chrono::milliseconds(20));
  EXPECT_EQ(rounds_done, 0);  // not every call returned
  prober.end_round();         // the caller's timeout
  EXPECT_EQ(prober.answer(nfs).kind, Kind::kTimedOut);
  EXPECT_EQ(prober.answer(root).kind, Kind::kAnswered);
  EXPECT_EQ(prober.answer(root).rc, 0);
  EXPECT_EQ(prober.answer(root).st.f_blocks, 1000u);
  EXPECT_EQ(prober.answer(home).kind, Kind::kAnswered);
  EXPECT_TRUE(prober.stuck(nfs));
  EXPECT_FALSE(prober.stuck(root));
  EXPECT_EQ(prober.stuck_calls(), 1u);

  // Round 2: the stuck mount is not asked; the round completes at once, on a replacement
  // thread beside the stuck one.
  prober.submit(nfs, "/nfs");  // refused while stuck
  prober.submit(root, "/");
  prober.submit(home, "/home");
  ASSERT_TRUE(prober.start_round());
  ASSERT_TRUE(loop.run_until([&] { return rounds_done == 1; }));
  prober.end_round();
  EXPECT_EQ(prober.answer(root).kind, Kind::kAnswered);
  EXPECT_EQ(prober.answer(home).kind, Kind::kAnswered);
  EXPECT_EQ(fake->calls("/nfs"), 1);
  EXPECT_EQ(prober.threads_started(), 3u);

  // The hung call returns: the mount may be asked again, and answers.
  fake->release();
  ASSERT_TRUE(loop.run_until([&] { return !prober.stuck(nfs); }));
  EXPECT_EQ(prober.stuck_calls(), 0u);
  prober.submit(nfs, "/nfs");
  ASSERT_TRUE(prober.start_round());
  ASSERT_TRUE(loop.run_until([&] { return rounds_done == 2; }));
  prober.end_round();
  EXPECT_EQ(prober.answer(nfs).kind, Kind::kAnswered);
  EXPECT_EQ(fake->calls("/nfs"), 2);
  EXPECT_EQ(prober.threads_started(), 3u);  // no new thread: none got stuck
}

TEST(StatvfsProber, CallsQueuedBehindStuckThreadsAreNotStarted) {
  TestLoop loop;
  auto fake = std::make_shared<BlockingStatvfs>();
  fake->block("/a");
  fake->block("/b");
  int rounds_done = 0;
  StatvfsProber prober(
      loop.get(), BlockingStatvfs::function(fake), [&] { ++rounds_done; }, 2);
  const std::int32_t a = prober.acquire();
  const std::int32_t b = prober.acquire();
  const std::int32_t c = prober.acquire();
  prober.submit(a, "/a");
  prober.submit(b, "/b");
  prober.submit(c, "/c");
  ASSERT_TRUE(prober.start_round());
  ASSERT_TRUE(loop.run_until([&] { return fake->blocked_now() == 2; }));
  prober.end_round();
  EXPECT_EQ(prober.answer(a).kind, Kind::kTimedOut);
  EXPECT_EQ(prober.answer(b).kind, Kind::kTimedOut);
  EXPECT_EQ(prober.answer(c).kind, Kind::kNotStarted);
  EXPECT_FALSE(prober.stuck(c));  // asked again next round
  prober.submit(c, "/c");
  ASSERT_TRUE(prober.start_round());  // two new threads: both earlier ones are stuck
  ASSERT_TRUE(loop.run_until([&] { return rounds_done == 1; }));
  prober.end_round();
  EXPECT_EQ(prober.answer(c).kind, Kind::kAnswered);
  EXPECT_EQ(prober.threads_started(), 4u);
  fake->release();
}

TEST(StatvfsProber, DestroyedWhileACallHangs) {
  TestLoop loop;
  auto fake = std::make_shared<BlockingStatvfs>();
  fake->block("/nfs");
  {
    StatvfsProber prober(loop.get(), BlockingStatvfs::function(fake), [] {});
    const std::int32_t nfs = prober.acquire();
    prober.submit(nfs, "/nfs");
    ASSERT_TRUE(prober.start_round());
    ASSERT_TRUE(loop.run_until([&] { return fake->blocked_now() == 1; }));
  }  // destroyed with the round open and the call hung: returns at once
  // The loop closes (the async handle does not keep it alive) while the call still hangs.
  EXPECT_EQ(uv_run(loop.get(), UV_RUN_NOWAIT), 0);
  fake->release();  // the detached thread returns and leaves
  ASSERT_TRUE(loop.run_until([&] { return fake->blocked_now() == 0; }));
}

TEST(StatvfsProber, ReleasedSlotsAreReused) {
  TestLoop loop;
  auto fake = std::make_shared<BlockingStatvfs>();
  StatvfsProber prober(loop.get(), BlockingStatvfs::function(fake), [] {});
  const std::int32_t a = prober.acquire();
  const std::int32_t b = prober.acquire();
  prober.release(a);
  EXPECT_EQ(prober.acquire(), a);
  EXPECT_NE(prober.acquire(), b);
  EXPECT_FALSE(prober.start_round());  // nothing submitted
}

}  // namespace
}  // namespace vigil::collectors::host
