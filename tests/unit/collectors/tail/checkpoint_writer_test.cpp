#include "collectors/tail/checkpoint_writer.h"

#include <gtest/gtest.h>

#include <deque>

#include "tests/unit/collectors/tail/tail_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::collectors::tail {
namespace {

using namespace std::chrono_literals;

// The generation of the durable copy on disk (0: none yet).
std::uint64_t durable_generation(const std::string& path) {
  auto bytes = tail_testing::read_file(path);
  if (bytes.empty()) return 0;
  auto decoded = decode_checkpoint(bytes);
  return decoded ? decoded->generation : 0;
}

// A writer whose pool work waits until the test runs it, on a fake clock and scheduler.
struct WriterHarness {
  tail_testing::TempDir dir;
  std::string path = dir.file("app.checkpoint");
  testing::FakeClock clock;
  testing::FakeScheduler scheduler{clock};
  std::deque<std::pair<std::function<void()>, std::function<void()>>> pool;
  int ok = 0;
  std::unique_ptr<CheckpointWriter> writer;

  explicit WriterHarness(core::Duration interval) {
    writer = std::make_unique<CheckpointWriter>(
        path, 0,
        [this](std::function<void()> work, std::function<void()> done) {
          pool.emplace_back(std::move(work), std::move(done));
        },
        [](std::uint64_t generation) { return encode_checkpoint(generation, {}); },
        [this](const CheckpointWriter::Outcome& outcome) { ok += outcome.ok ? 1 : 0; }, &clock,
        &scheduler, interval);
  }
  // Runs the pool's work and completions until nothing is queued.
  void run_pool() {
    while (!pool.empty()) {
      auto [work, done] = std::move(pool.front());
      pool.pop_front();
      work();
      done();
    }
  }
};

TEST(CheckpointWriter, DurableWritesAreSpacedByTheInterval) {
  WriterHarness h(1s);
  h.writer->changed();  // the first write starts at once
  ASSERT_EQ(h.pool.size(), 1u);
  h.run_pool();
  EXPECT_EQ(durable_generation(h.path), 1u);
  // A stream of acknowledgements within the interval: one durable write when it has passed,
  // holding the newest positions.
  for (int i = 0; i < 5; ++i) {
    h.scheduler.advance(100ms);
    h.writer->changed();
  }
  EXPECT_TRUE(h.pool.empty());
  EXPECT_TRUE(h.writer->dirty());
  EXPECT_EQ(durable_generation(h.path), 1u);
  h.scheduler.advance(499ms);
  EXPECT_TRUE(h.pool.empty());
  h.scheduler.advance(1ms);  // 1 s after the first write started
  ASSERT_EQ(h.pool.size(), 1u);
  h.run_pool();
  EXPECT_EQ(durable_generation(h.path), 6u);
  EXPECT_FALSE(h.writer->dirty());
  EXPECT_EQ(h.ok, 2);
  // Quiet for longer than the interval: the next change is written at once.
  h.scheduler.advance(5s);
  h.writer->changed();
  EXPECT_EQ(h.pool.size(), 1u);
  h.run_pool();
  EXPECT_EQ(durable_generation(h.path), 7u);
}

TEST(CheckpointWriter, ChangesDuringAWriteFollowItOneIntervalAfterItsStart) {
  WriterHarness h(1s);
  h.writer->changed();
  ASSERT_EQ(h.pool.size(), 1u);
  h.scheduler.advance(300ms);
  h.writer->changed();  // folded: a write is in flight
  EXPECT_EQ(h.pool.size(), 1u);
  h.run_pool();
  EXPECT_TRUE(h.writer->dirty());
  EXPECT_EQ(h.scheduler.next_delay(), 700ms);
  h.scheduler.advance(700ms);
  h.run_pool();
  EXPECT_EQ(durable_generation(h.path), 2u);
  EXPECT_FALSE(h.writer->dirty());
}

TEST(CheckpointWriter, StopWritesWhatIsWaitingAtOnce) {
  WriterHarness h(1s);
  h.writer->changed();
  h.run_pool();
  h.writer->changed();
  h.writer->changed();
  EXPECT_EQ(durable_generation(h.path), 1u);
  bool done = false;
  h.writer->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(durable_generation(h.path), 3u);
  EXPECT_EQ(h.scheduler.pending(), 0u);  // the waiting timer is gone with it
}

TEST(CheckpointWriter, ZeroIntervalWritesAfterEveryChange) {
  WriterHarness h(0s);
  for (std::uint64_t i = 1; i <= 3; ++i) {
    h.writer->changed();
    ASSERT_EQ(h.pool.size(), 1u);
    h.run_pool();
    EXPECT_EQ(durable_generation(h.path), i);
  }
  EXPECT_EQ(h.scheduler.pending(), 0u);
}

}  // namespace
}  // namespace vigil::collectors::tail
