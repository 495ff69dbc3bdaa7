#pragma once

// Pipes, loops and batches for the stdout exporter's tests.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <uv.h>

#include "agent/core/batch.h"
#include "agent/core/export_pump.h"
#include "exporters/stdout/stdout_exporter.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::exporters::stdout_exporter::testing {

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0); }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }
  void set_nonblocking(int fd) {
    ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
  }
  // The kernel rounds up to a page.
  int set_capacity(int bytes) { return ::fcntl(fds_[1], F_SETPIPE_SZ, bytes); }

  // Everything readable now, without waiting (the read end is made non-blocking).
  std::string drain() {
    set_nonblocking(fds_[0]);
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fds_[0], buf, sizeof(buf));
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        break;  // EAGAIN: nothing more for now; 0: writer closed
      }
    }
    return out;
  }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

// Reads the pipe on a thread until the write end is closed.
class PipeReader {
 public:
  explicit PipeReader(int fd)
      : thread_([this, fd] {
          char buf[65536];
          for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof(buf));
            if (n > 0) {
              text_.append(buf, static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
              continue;
            } else {
              return;
            }
          }
        }) {}
  ~PipeReader() {
    if (thread_.joinable()) thread_.join();
  }
  // Call after the write end is closed.
  std::string finish() {
    thread_.join();
    return text_;
  }

 private:
  std::string text_;
  std::thread thread_;
};

class Loop {
 public:
  Loop() { EXPECT_EQ(uv_loop_init(&loop_), 0); }
  ~Loop() { EXPECT_EQ(uv_loop_close(&loop_), 0); }
  uv_loop_t* get() { return &loop_; }
  void run() { uv_run(&loop_, UV_RUN_DEFAULT); }

 private:
  uv_loop_t loop_{};
};

// Sends one batch and runs the loop until the exporter reports.
inline core::SendResult send_and_wait(StdoutExporter& exporter, const core::Batch& batch,
                                      Loop& loop) {
  std::optional<core::SendResult> result;
  exporter.send(batch, [&result](core::SendResult r) { result = std::move(r); });
  loop.run();
  EXPECT_TRUE(result.has_value());
  return result.value_or(core::SendResult::permanent("no result"));
}

inline core::Batch make_batch(core::Signal signal, const google::protobuf::Message& request,
                              std::uint64_t items) {
  core::Batch batch;
  batch.signal = signal;
  batch.payload = request.SerializeAsString();
  batch.items = items;
  batch.source = "test";
  return batch;
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) {
      lines.emplace_back(text);  // unterminated last line: shows up as a failure
      break;
    }
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

}  // namespace vigil::exporters::stdout_exporter::testing
