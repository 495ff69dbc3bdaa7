#include "collectors/host/statvfs_prober.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace vigil::collectors::host {

struct StatvfsProber::Shared {
  struct Slot {
    enum class State : std::uint8_t { kFree, kIdle, kQueued, kRunning, kAnswered };
    State state = State::kFree;
    bool abandoned = false;  // running past the end of its round: stuck
    bool released = false;   // its mount is gone: free it when the call returns
    std::string path;
    int rc = 0;
    struct statvfs st {};
  };

  explicit Shared(StatvfsFunction fn) : statvfs(std::move(fn)) {}

  const StatvfsFunction statvfs;
  mutable std::mutex mutex;
  std::condition_variable wake;
  // A deque: workers keep pointers to slots while the loop adds more.
  std::deque<Slot> slots;
  std::vector<std::uint32_t> queue;  // this round's slots, in submission order
  std::size_t next = 0;              // the next queue entry a worker takes
  std::size_t pending = 0;           // this round's calls not yet answered
  bool round_open = false;
  bool stopping = false;
  std::size_t live_threads = 0;  // threads that are not stuck
  std::size_t stuck = 0;
  std::size_t started = 0;
  uv_async_t* async = nullptr;  // null once the prober is gone
};

StatvfsProber::StatvfsProber(uv_loop_t* loop, StatvfsFunction statvfs,
                             std::function<void()> on_round_done, std::size_t threads)
    : shared_(std::make_shared<Shared>(std::move(statvfs))),
      on_round_done_(std::move(on_round_done)),
      threads_(threads > 0 ? threads : 1) {
  if (uv_async_init(loop, async_.get(), [](uv_async_t* handle) {
        if (handle->data != nullptr) static_cast<StatvfsProber*>(handle->data)->on_async();
      }) == 0) {
    async_.mark_initialized();
    async_.get()->data = this;
    // Only an open round keeps the loop alive (start_round/end_round): an idle prober, or a
    // call that hangs past its round, must not.
    uv_unref(async_.base());
    shared_->async = async_.get();
  }
}

StatvfsProber::~StatvfsProber() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    shared_->async = nullptr;
  }
  shared_->wake.notify_all();
  // The threads are detached and share `shared_`: idle ones leave now, stuck ones when (if
  // ever) their call returns. async_ closes after this.
}

std::int32_t StatvfsProber::acquire() {
  std::lock_guard lock(shared_->mutex);
  std::size_t index = 0;
  while (index < shared_->slots.size() &&
         shared_->slots[index].state != Shared::Slot::State::kFree) {
    ++index;
  }
  if (index == shared_->slots.size()) shared_->slots.emplace_back();
  if (answers_.size() < shared_->slots.size()) answers_.resize(shared_->slots.size());
  shared_->slots[index].state = Shared::Slot::State::kIdle;
  return static_cast<std::int32_t>(index);
}

void StatvfsProber::release(std::int32_t slot) {
  std::lock_guard lock(shared_->mutex);
  auto& s = shared_->slots[static_cast<std::size_t>(slot)];
  if (s.state == Shared::Slot::State::kRunning) {
    s.released = true;
  } else if (s.state != Shared::Slot::State::kQueued) {
    s.state = Shared::Slot::State::kFree;
  } else {
    s.released = true;  // freed by end_round()
  }
}

bool StatvfsProber::stuck(std::int32_t slot) const {
  std::lock_guard lock(shared_->mutex);
  return shared_->slots[static_cast<std::size_t>(slot)].abandoned;
}

void StatvfsProber::submit(std::int32_t slot, std::string_view path) {
  std::lock_guard lock(shared_->mutex);
  auto& s = shared_->slots[static_cast<std::size_t>(slot)];
  if (s.abandoned || s.state == Shared::Slot::State::kQueued ||
      s.state == Shared::Slot::State::kRunning) {
    return;
  }
  s.path.assign(path);
  s.state = Shared::Slot::State::kQueued;
  shared_->queue.push_back(static_cast<std::uint32_t>(slot));
}

bool StatvfsProber::start_round() {
  {
    std::lock_guard lock(shared_->mutex);
    if (shared_->queue.empty()) return false;
    while (shared_->live_threads < threads_) {
      try {
        std::thread(run_worker, shared_).detach();
      } catch (const std::system_error&) {
        break;  // no thread: the calls stay queued and the round times out
      }
      ++shared_->live_threads;
      ++shared_->started;
    }
    shared_->next = 0;
    shared_->pending = shared_->queue.size();
    shared_->round_open = true;
  }
  round_open_ = true;
  if (async_.initialized()) uv_ref(async_.base());
  shared_->wake.notify_all();
  return true;
}

void StatvfsProber::end_round() {
  using State = Shared::Slot::State;
  std::lock_guard lock(shared_->mutex);
  for (const std::uint32_t index : shared_->queue) {
    auto& s = shared_->slots[index];
    Answer& a = answers_[index];
    if (s.state == State::kAnswered) {
      a.kind = Answer::Kind::kAnswered;
      a.rc = s.rc;
      a.st = s.st;
      s.state = s.released ? State::kFree : State::kIdle;
      s.released = false;
    } else if (s.state == State::kRunning) {
      a.kind = Answer::Kind::kTimedOut;
      s.abandoned = true;
      ++shared_->stuck;
      --shared_->live_threads;  // its thread leaves when the call returns
    } else {
      a.kind = Answer::Kind::kNotStarted;
      s.state = s.released ? State::kFree : State::kIdle;
      s.released = false;
    }
  }
  shared_->queue.clear();
  shared_->next = 0;
  shared_->pending = 0;
  shared_->round_open = false;
  round_open_ = false;
  if (async_.initialized()) uv_unref(async_.base());
}

std::size_t StatvfsProber::unanswered() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->round_open ? shared_->pending : 0;
}

std::size_t StatvfsProber::stuck_calls() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->stuck;
}

std::size_t StatvfsProber::threads_started() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->started;
}

void StatvfsProber::on_async() {
  {
    // A late notification (the round already ended at its timeout, maybe a new one began)
    // must not end the current round early.
    std::lock_guard lock(shared_->mutex);
    if (!shared_->round_open || shared_->pending != 0) return;
  }
  if (on_round_done_) on_round_done_();
}

void StatvfsProber::run_worker(std::shared_ptr<Shared> shared) {
  using State = Shared::Slot::State;
  std::unique_lock lock(shared->mutex);
  for (;;) {
    shared->wake.wait(lock, [&] {
      return shared->stopping || (shared->round_open && shared->next < shared->queue.size());
    });
    if (shared->stopping) return;
    Shared::Slot& slot = shared->slots[shared->queue[shared->next++]];
    slot.state = State::kRunning;
    lock.unlock();
    struct statvfs st {};
    const int rc = shared->statvfs(slot.path.c_str(), st);
    lock.lock();
    if (slot.abandoned) {
      // Given up on at the end of its round and replaced: this thread leaves, and the mount
      // may be asked again at the next scrape.
      slot.abandoned = false;
      slot.state = slot.released ? State::kFree : State::kIdle;
      slot.released = false;
      --shared->stuck;
      return;
    }
    slot.rc = rc;
    slot.st = st;
    slot.state = State::kAnswered;
    if (--shared->pending == 0 && shared->async != nullptr) uv_async_send(shared->async);
  }
}

}  // namespace vigil::collectors::host
