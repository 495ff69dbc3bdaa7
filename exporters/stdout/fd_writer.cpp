#include "exporters/stdout/fd_writer.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

namespace vigil::exporters::stdout_exporter {

namespace {

// SIGPIPE from write() is directed at the writing thread, so blocking it here is enough; one
// that our write raised is then pending and must be consumed before unblocking. One pending
// before we started is someone else's and is left alone.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_set_);
    sigaddset(&pipe_set_, SIGPIPE);
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_set_, &previous_) == 0;
    sigset_t pending;
    was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  }

  ~SigpipeBlock() {
    if (!blocked_) return;
    if (raised_ && !was_pending_) {
      sigset_t pending;
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait{};
        // Retried on EINTR; EAGAIN (nothing pending after all) ends it.
        while (sigtimedwait(&pipe_set_, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  void note_epipe() { raised_ = true; }

 private:
  sigset_t pipe_set_{};
  sigset_t previous_{};
  bool blocked_ = false;
  bool was_pending_ = false;
  bool raised_ = false;
};

}  // namespace

WriteOutcome write_fully(int fd, std::string_view data, std::chrono::milliseconds stall_timeout) {
  SigpipeBlock sigpipe;
  WriteOutcome outcome;
  while (outcome.written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + outcome.written, data.size() - outcome.written);
    if (n > 0) {
      outcome.written += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) {  // no progress and no error: not expected of write(2), never loop on it
      outcome.error = EIO;
      return outcome;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) {
      if (outcome.written == 0) {
        outcome.error = EAGAIN;
        return outcome;
      }
      pollfd p{fd, POLLOUT, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(stall_timeout.count()));
      if (ready > 0 || (ready < 0 && errno == EINTR)) continue;
      outcome.error = ready == 0 ? EAGAIN : errno;
      return outcome;
    }
    if (err == EPIPE) sigpipe.note_epipe();
    outcome.error = err;
    return outcome;
  }
  return outcome;
}

}  // namespace vigil::exporters::stdout_exporter
