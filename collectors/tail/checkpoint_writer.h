#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/core/clock.h"
#include "agent/core/error.h"
#include "agent/core/scheduler.h"
#include "collectors/tail/checkpoint_store.h"

namespace vigil::collectors::tail {

// Runs `work` off the loop and then `done` on it (net::run_in_pool in the agent; inline in
// tests).
using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;

// Persists the collector's checkpoint whenever its acknowledged positions change, in the two
// copies of checkpoint_store.h:
//  - the acknowledgement copy at once, on the calling thread (a pwrite into the page cache, a
//    few microseconds): after a crash of the process the restart repeats nothing but the batch
//    whose acknowledgement had not arrived;
//  - the durable copy (write, fsync, rename, fsync the directory) one write at a time on the
//    thread pool, and a write starts at most once per `durable_interval`; changes that arrive
//    meanwhile are folded into the next write, so a fast stream of acknowledgements costs one
//    fsync per interval, not one per batch (a durable copy that lags can only repeat lines
//    after a crash of the host, never lose them).
// After stop() (draining, shutting down, reloading) durable writes are made at once on the
// calling thread, so the files are current before the next generation of the collector reads
// them. Durable writes are ordered: a slower older write never replaces a newer file.
// Loop thread only (except the pool work it starts).
class CheckpointWriter {
 public:
  struct Outcome {
    bool ok = true;
    std::string error;
  };
  // `snapshot` encodes the current positions as the given generation; `on_written` reports
  // every write's outcome. Generations continue after `last_generation` (the one loaded).
  // `clock` and `scheduler` space the durable writes `durable_interval` apart (zero: no spacing).
  CheckpointWriter(std::string path, std::uint64_t last_generation, Offload offload,
                   std::function<std::string(std::uint64_t generation)> snapshot,
                   std::function<void(const Outcome&)> on_written, const core::Clock* clock,
                   core::Scheduler* scheduler, core::Duration durable_interval);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // The positions changed.
  void changed();
  // From now on write synchronously; `done` runs once no write is in flight (maybe at once).
  void stop(std::function<void()> done);
  // Writes now if anything changed since the last write (the collector's destructor).
  void flush_sync();
  bool dirty() const { return dirty_; }
  const std::string& path() const { return path_; }

  // Shared with the pool work: orders writes from both sides.
  struct Shared;

 private:
  // Starts the durable write now, or arms the timer for when the interval has passed.
  void write_durable_when_due();
  void start_async();
  void write_sync();

  std::string path_;
  Offload offload_;
  std::function<std::string(std::uint64_t)> snapshot_;
  std::function<void(const Outcome&)> on_written_;
  const core::Clock* clock_;
  core::Scheduler* scheduler_;
  core::Duration durable_interval_;
  std::optional<core::MonoTime> last_durable_start_;
  std::unique_ptr<core::TimerHandle> due_timer_;
  std::shared_ptr<Shared> shared_;
  std::uint64_t generation_ = 0;
  std::string latest_;  // the newest encoding, not yet durable while dirty_
  std::optional<AcknowledgementFile> ack_file_;
  bool dirty_ = false;
  bool in_flight_ = false;
  bool synchronous_ = false;
  std::function<void()> on_idle_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::collectors::tail
