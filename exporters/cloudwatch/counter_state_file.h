#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <uv.h>

#include "agent/core/error.h"
#include "exporters/cloudwatch/counter_state.h"

namespace vigil::exporters::cloudwatch {

// Writes a counter state file atomically: a temporary file next to it, fsync, rename, fsync of
// the directory. Each write carries a generation; a write older than one already renamed into
// place is skipped, so a slow pool write can never replace a newer synchronous one.
// Thread-safe (writes run on libuv's pool and, at stop, on the loop).
class StateFileWriter {
 public:
  explicit StateFileWriter(std::string path) : path_(std::move(path)) {}
  core::Result<void> write(std::uint64_t generation, std::string_view content);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::mutex mutex_;
  std::uint64_t written_generation_ = 0;
};

// A CounterState with the file it persists to. One per file per process: an exporter rebuilt
// by a configuration reload while the old one still drains must continue the same series (two
// states loaded from one file would each convert the same interval, sending it twice), so both
// share this object through acquire_counter_state().
struct SharedCounterState {
  SharedCounterState(std::string path, core::Duration reset_after)
      : state(reset_after), writer(std::make_shared<StateFileWriter>(std::move(path))) {}
  CounterState state;
  std::shared_ptr<StateFileWriter> writer;
  std::uint64_t next_generation = 1;
  bool loaded = false;
};

// The shared state for `path` ("" = not persisted: a private state). The first caller's
// reset_after applies while the state lives.
std::shared_ptr<SharedCounterState> acquire_counter_state(const std::string& path,
                                                          core::Duration reset_after);

// Reads `path` into `shared.state` once (a missing file is an empty state). Returns the number
// of series loaded.
core::Result<std::size_t> load_counter_state(SharedCounterState& shared, std::int64_t now_ns);

// Saves the delivered view if it changed: on libuv's thread pool when `loop` is given (then
// `done` runs on the loop with the outcome), else at once.
void save_counter_state(SharedCounterState& shared, uv_loop_t* loop,
                        std::function<void(core::Result<void>)> done);

// data_dir/cloudwatch/<exporter name>/counters.json, the name made safe for a file name.
std::string counter_state_path(std::string_view data_dir, std::string_view exporter_name);

}  // namespace vigil::exporters::cloudwatch
