#pragma once

#include <gtest/gtest.h>

#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "collectors/host/filesystem_scraper.h"

// A statvfs that blocks on chosen paths until released, like a hard NFS mount whose server is
// gone, and a real libuv loop to run the prober's notifications on.
namespace vigil::collectors::host::testing {

class BlockingStatvfs {
 public:
  // Paths ending in one of `suffixes` block until release().
  void block(std::string suffix) {
    std::lock_guard lock(mutex_);
    released_ = false;
    suffixes_.insert(std::move(suffix));
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
      suffixes_.clear();
    }
    cv_.notify_all();
  }
  int calls(const std::string& suffix) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& path : called_) {
      if (path.ends_with(suffix)) ++n;
    }
    return n;
  }
  int blocked_now() const { return blocked_now_.load(); }

  int operator()(const char* path, struct statvfs& st) {
    std::string p(path);
    std::unique_lock lock(mutex_);
    called_.insert(called_.end(), p);
    bool blocks = false;
    for (const auto& s : suffixes_) blocks = blocks || p.ends_with(s);
    if (blocks) {
      ++blocked_now_;
      cv_.wait(lock, [&] { return released_; });
      --blocked_now_;
    }
    st = {};
    st.f_frsize = 4096;
    st.f_blocks = 1000;
    st.f_bfree = 500;
    st.f_bavail = 400;
    st.f_files = 100;
    st.f_ffree = 50;
    return 0;
  }

  // A StatvfsFunction that keeps this object alive as long as any thread may call it.
  static StatvfsFunction function(const std::shared_ptr<BlockingStatvfs>& fake) {
    return [fake](const char* path, struct statvfs& st) { return (*fake)(path, st); };
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::multiset<std::string> called_;
  std::set<std::string> suffixes_;
  bool released_ = true;
  std::atomic<int> blocked_now_{0};
};

// A libuv loop owned by a test: closes what is left at the end.
class TestLoop {
 public:
  TestLoop() { uv_loop_init(&loop_); }
  ~TestLoop() {
    uv_run(&loop_, UV_RUN_NOWAIT);
    uv_walk(
        &loop_,
        [](uv_handle_t* h, void*) {
          if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  uv_loop_t* get() { return &loop_; }

  // Turns the loop until `done()` holds; false after `timeout` (a loaded machine: generous).
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

 private:
  uv_loop_t loop_{};
};

}  // namespace vigil::collectors::host::testing
