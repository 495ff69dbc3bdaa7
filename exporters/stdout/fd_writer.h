#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

namespace vigil::exporters::stdout_exporter {

struct WriteOutcome {
  std::size_t written = 0;  // bytes of `data` written, also on failure
  int error = 0;            // errno of the failure; 0 when everything was written
};

// Writes all of `data` to `fd` (a pipe, terminal or file we do not own), retrying partial
// writes and EINTR. Meant for a worker thread: it may block.
// - A non-blocking fd that is full before anything was written fails at once with EAGAIN (the
//   caller can retry the whole), but once part is out it waits up to `stall_timeout` at a time
//   for room, so lines are not cut off needlessly; if it stays full the result is EAGAIN with
//   `written` > 0.
// - A reader that went away gives EPIPE. The SIGPIPE that comes with it is blocked for this
//   thread during the write and consumed, so it neither kills the process nor reaches another
//   thread, whatever the process's SIGPIPE disposition.
WriteOutcome write_fully(int fd, std::string_view data, std::chrono::milliseconds stall_timeout);

}  // namespace vigil::exporters::stdout_exporter
