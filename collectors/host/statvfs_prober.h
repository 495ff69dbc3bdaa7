#pragma once

#include <sys/statvfs.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <uv.h>

#include "agent/net/uv_handle.h"
#include "collectors/host/filesystem_scraper.h"

// Runs the filesystem scraper's statvfs calls off the loop, on threads of its own, so that a
// mount whose server is gone (a hard NFS mount blocks statvfs in the kernel, possibly for
// ever) never blocks the loop or a later scrape.
//
// Why not libuv's thread pool (agent/net/thread_pool.h): a call stuck in the kernel would hold
// a pool thread for as long as it is stuck, and the pool has as many threads as cores (two
// here): two dead mounts would stall every compression, disk write and large decode of the
// agent. And a pending uv_work_t keeps uv_run() from returning while libuv's exit handler joins
// the pool threads, so the agent could not even stop. Here a stuck call holds only its own
// detached thread, which is replaced, and which the process leaves behind when it exits.
namespace vigil::collectors::host {

class StatvfsProber {
 public:
  // What a round found out about one submitted slot.
  struct Answer {
    enum class Kind : std::uint8_t {
      kAnswered,    // statvfs returned: rc (0 or errno) and st
      kTimedOut,    // still running when the round ended: the call is now stuck
      kNotStarted,  // still queued when the round ended (threads busy with stuck calls)
    };
    Kind kind = Kind::kNotStarted;
    int rc = 0;
    struct statvfs st {};
  };

  // `on_round_done` runs on the loop when every call submitted for the round has returned.
  // `threads`: how many calls may run at once (a stuck one stops counting).
  StatvfsProber(uv_loop_t* loop, StatvfsFunction statvfs, std::function<void()> on_round_done,
                std::size_t threads = 2);
  ~StatvfsProber();
  StatvfsProber(const StatvfsProber&) = delete;
  StatvfsProber& operator=(const StatvfsProber&) = delete;

  // A slot holds one mount's call and answer. Reused: acquiring a slot allocates only when
  // every earlier one is in use.
  std::int32_t acquire();
  // The mount is gone: the slot is freed now, or when its stuck call returns.
  void release(std::int32_t slot);
  // Whether a call made for `slot` in an earlier round has still not returned.
  bool stuck(std::int32_t slot) const;

  // Queues statvfs(path) for this round (`slot` must not be stuck).
  void submit(std::int32_t slot, std::string_view path);
  // Starts the calls submitted since the last round; false when there are none.
  bool start_round();
  bool round_open() const { return round_open_; }
  // Ends the round, when on_round_done ran or when the caller's timeout expired: answers of
  // the submitted slots become readable; calls still running are stuck from now on, and their
  // threads are replaced at the next round.
  void end_round();
  const Answer& answer(std::int32_t slot) const { return answers_[static_cast<std::size_t>(slot)]; }

  // For tests and logs: calls of the open round not answered yet; calls that ended a round
  // unanswered and have not returned yet; threads started so far.
  std::size_t unanswered() const;
  std::size_t stuck_calls() const;
  std::size_t threads_started() const;

 private:
  struct Shared;
  static void run_worker(std::shared_ptr<Shared> shared);
  void on_async();

  std::shared_ptr<Shared> shared_;
  net::UvHandle<uv_async_t> async_;
  std::function<void()> on_round_done_;
  std::size_t threads_;
  std::vector<Answer> answers_;  // per slot, loop side
  bool round_open_ = false;
};

}  // namespace vigil::collectors::host
