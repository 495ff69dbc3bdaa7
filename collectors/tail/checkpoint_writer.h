#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/core/error.h"

namespace vigil::collectors::tail {

// Runs `work` off the loop and then `done` on it (net::run_in_pool in the agent; inline in
// tests).
using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;

// Persists the collector's checkpoint whenever its acknowledged positions change: one write
// (write, fsync, rename, fsync the directory) at a time on the thread pool; changes that
// arrive meanwhile are folded into the next write, so a fast stream of acknowledgements costs
// one write per fsync, not one per batch. After stop() (draining, shutting down, reloading)
// every write is made at once on the calling thread, so the file is current before the next
// generation of the collector reads it. Writes are ordered: a slower older write never
// replaces a newer file. Loop thread only (except the pool work it starts).
class CheckpointWriter {
 public:
  struct Outcome {
    bool ok = true;
    std::string error;
  };
  // `snapshot` encodes the current positions; `on_written` reports every write's outcome.
  CheckpointWriter(std::string path, Offload offload, std::function<std::string()> snapshot,
                   std::function<void(const Outcome&)> on_written);
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
  void start_async();
  void write_sync();

  std::string path_;
  Offload offload_;
  std::function<std::string()> snapshot_;
  std::function<void(const Outcome&)> on_written_;
  std::shared_ptr<Shared> shared_;
  bool dirty_ = false;
  bool in_flight_ = false;
  bool synchronous_ = false;
  std::function<void()> on_idle_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::collectors::tail
