#include "agent/net/uv_timer.h"

#include <memory>

#include <gtest/gtest.h>
#include <uv.h>

namespace vigil::net {
namespace {

// A uv_check handle runs once per loop turn, after polling for I/O: it stands for "the loop got
// to process I/O and thread-pool completions".
class LoopTurns {
 public:
  explicit LoopTurns(uv_loop_t* loop) {
    uv_check_init(loop, &check_);
    check_.data = this;
    uv_check_start(&check_, [](uv_check_t* c) { ++static_cast<LoopTurns*>(c->data)->turns_; });
    uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  }
  ~LoopTurns() { uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr); }
  LoopTurns(const LoopTurns&) = delete;
  LoopTurns& operator=(const LoopTurns&) = delete;
  int turns() const { return turns_; }

 private:
  uv_check_t check_{};
  int turns_ = 0;
};

class UvTimerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);  // lets closed handles finish
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  uv_loop_t loop_{};
};

constexpr int kGiveUp = 100000;

TEST_F(UvTimerTest, ZeroDelayFromOutsideACallbackRuns) {
  UvTimer timer(&loop_);
  bool ran = false;
  timer.start(core::Duration::zero(), [&] { ran = true; });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_TRUE(ran);
}

TEST_F(UvTimerTest, ZeroDelayRearmedFromItsOwnCallbackLetsTheLoopPoll) {
  // The pattern that hung a tail test: a callback waits for I/O by re-arming itself with no
  // delay. Each re-arm must let the loop turn, or the waited-for I/O never comes.
  auto turns = std::make_unique<LoopTurns>(&loop_);
  UvTimer timer(&loop_);
  int fired = 0;
  std::function<void()> wait_for_a_turn = [&] {
    ++fired;
    if (turns->turns() == 0 && fired < kGiveUp)
      timer.start(core::Duration::zero(), wait_for_a_turn);
  };
  timer.start(core::Duration::zero(), wait_for_a_turn);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_GE(turns->turns(), 1);
  EXPECT_LE(fired, 3) << "the timer ran again without the loop polling";
  turns.reset();
}

TEST_F(UvTimerTest, ZeroDelayPingPongBetweenTwoTimersLetsTheLoopPoll) {
  auto turns = std::make_unique<LoopTurns>(&loop_);
  UvTimer a(&loop_);
  UvTimer b(&loop_);
  int fired = 0;
  std::function<void()> on_a;
  std::function<void()> on_b;
  on_a = [&] {
    ++fired;
    if (turns->turns() == 0 && fired < kGiveUp) b.start(core::Duration::zero(), on_b);
  };
  on_b = [&] {
    ++fired;
    if (turns->turns() == 0 && fired < kGiveUp) a.start(core::Duration::zero(), on_a);
  };
  a.start(core::Duration::zero(), on_a);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_GE(turns->turns(), 1);
  EXPECT_LE(fired, 3) << "the timers ran each other without the loop polling";
  turns.reset();
}

TEST_F(UvTimerTest, NonZeroDelayIsKeptInsideACallback) {
  UvTimer outer(&loop_);
  UvTimer inner(&loop_);
  std::uint64_t armed_at = 0;
  std::uint64_t ran_at = 0;
  outer.start(core::Duration::zero(), [&] {
    armed_at = uv_now(&loop_);
    inner.start(std::chrono::milliseconds(20), [&] { ran_at = uv_now(&loop_); });
  });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_GE(ran_at - armed_at, 20u);
}

TEST_F(UvTimerTest, StopCancels) {
  UvTimer timer(&loop_);
  bool ran = false;
  timer.start(std::chrono::milliseconds(1), [&] { ran = true; });
  EXPECT_TRUE(timer.active());
  timer.stop();
  EXPECT_FALSE(timer.active());
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace vigil::net
