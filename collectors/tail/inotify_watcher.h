#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

#include "agent/core/error.h"
#include "agent/net/uv_handle.h"
#include "collectors/tail/file_identity.h"

namespace vigil::collectors::tail {

struct InotifyEvent {
  int wd = -1;
  std::uint32_t mask = 0;
  std::uint32_t cookie = 0;
  std::string_view name;  // empty for events about the watched directory itself
};

// Decodes what read(2) returned from an inotify descriptor (whole events only; a truncated
// tail is ignored). Views point into `buffer`.
std::vector<InotifyEvent> decode_inotify_events(std::string_view buffer);

// Watches directories with inotify (one watch per directory: events about the files in it,
// IN_MODIFY included, arrive without a watch per file) and reports changes on the loop.
// IN_Q_OVERFLOW (the kernel's queue was full, events were lost) goes to on_overflow: the
// collector then rescans everything instead of trusting the events.
class InotifyWatcher {
 public:
  struct Callbacks {
    // `dir` is the watched directory, `name` the entry in it (empty: the directory itself).
    std::function<void(const std::string& dir, std::string_view name, std::uint32_t mask)> on_event;
    std::function<void()> on_overflow;
  };

  static core::Result<std::unique_ptr<InotifyWatcher>> create(uv_loop_t* loop, Callbacks callbacks);
  ~InotifyWatcher();
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  // Watches `dir` (no-op when already watched). Fails when the kernel refuses (ENOSPC: the
  // max_user_watches limit), so the caller can fall back to polling.
  core::Result<void> watch(const std::string& dir);
  // Stops watching directories not in `keep`.
  void retain(const std::vector<std::string>& keep);
  std::size_t size() const { return by_dir_.size(); }

  // Dispatches events as read from the descriptor. Public so tests can inject events
  // (IN_Q_OVERFLOW among them) without filling a real kernel queue.
  void handle(std::string_view bytes);

  // The events a directory watch asks for.
  static std::uint32_t watch_mask();

 private:
  InotifyWatcher(uv_loop_t* loop, Callbacks callbacks, UniqueFd fd);
  void on_readable();

  Callbacks callbacks_;
  UniqueFd fd_;
  net::UvHandle<uv_poll_t> poll_;
  std::map<int, std::string> by_wd_;
  std::map<std::string, int> by_dir_;
};

}  // namespace vigil::collectors::tail
