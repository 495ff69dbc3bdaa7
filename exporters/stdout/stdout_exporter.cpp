#include "exporters/stdout/stdout_exporter.h"

#include <cerrno>
#include <mutex>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"
#include "exporters/stdout/fd_writer.h"
#include "exporters/stdout/json_lines.h"

namespace vigil::exporters::stdout_exporter {

struct StdoutExporter::Output {
  StdoutExporterOptions options;
  // Batches may be in flight at once (concurrency > 1): they are converted and written in turn,
  // so lines of different batches never interleave.
  std::mutex write_mutex;
  // The last write stopped inside a line (guarded by write_mutex): the next one begins with
  // '\n' so that cut-off line does not swallow the first line that follows.
  bool torn = false;
  // The lines of the batch being written (guarded by write_mutex). Kept between batches: a new
  // string per batch, filled on whichever pool thread ran the job, made glibc keep a heap of
  // its largest size resident for every pool thread (about 150 KiB each at idle).
  std::string text;
};

namespace {

// One batch on its way: filled on a pool thread, reported on the loop.
struct Job {
  // Alive while `done` is: the pump's callback holds the batch until it is called.
  const core::Batch* batch = nullptr;
  std::function<void(core::SendResult)> done;
  core::SendResult result;
  bool parsed = false;
  std::uint64_t items = 0;  // counted in the payload
};

core::SendResult classify(const WriteOutcome& outcome, std::size_t size,
                          const std::string& stream) {
  std::string why =
      fmt::format("writing to {}: {} ({} of {} bytes written)", stream,
                  std::system_category().message(outcome.error), outcome.written, size);
  // Not open for writing: no retry can help. Everything else (a full or closed pipe, a full
  // disk, I/O errors) can pass, and the batch must not be lost meanwhile.
  if (outcome.error == EBADF || outcome.error == EINVAL) {
    return core::SendResult::permanent(std::move(why));
  }
  return core::SendResult::retryable(std::move(why));
}

// Converts the batch into `text` (which holds the leading '\n') and writes it. Called with the
// output's write_mutex held.
void write_lines(StdoutExporter::Output& output, Job& job, std::string& text) {
  auto count = append_json_lines(job.batch->signal, job.batch->payload, text);
  if (!count) {
    job.result = core::SendResult::permanent(count.error().message);
    return;
  }
  job.parsed = true;
  job.items = *count;
  const std::string_view lines = std::string_view(text).substr(output.torn ? 0 : 1);
  if (lines.empty()) {
    job.result = core::SendResult::ok();
    return;
  }
  const WriteOutcome outcome = write_fully(output.options.fd, lines, output.options.stall_timeout);
  if (outcome.written > 0) output.torn = lines[outcome.written - 1] != '\n';
  job.result = outcome.error == 0 ? core::SendResult::ok()
                                  : classify(outcome, lines.size(), output.options.stream_name);
}

// A batch far larger than usual leaves no buffer of its size behind.
constexpr std::size_t kKeptTextBytes = 1024 * 1024;

void write_out(StdoutExporter::Output& output, Job& job) {
  std::lock_guard lock(output.write_mutex);
  std::string& text = output.text;
  text.clear();
  // OTLP/JSON takes a few times the protobuf size; reserving avoids most regrowth.
  text.reserve(job.batch->payload.size() * 3 + 1);
  text += '\n';  // written only after a torn write
  write_lines(output, job, text);
  if (text.capacity() > kKeptTextBytes) std::string().swap(text);
}

}  // namespace

StdoutExporter::StdoutExporter(StdoutExporterOptions options, uv_loop_t* loop,
                               telemetry::Logger* logger)
    : output_(std::make_shared<Output>()), loop_(loop), logger_(logger) {
  output_->options = std::move(options);
}

StdoutExporter::~StdoutExporter() { *alive_ = false; }

void StdoutExporter::send(const core::Batch& batch, std::function<void(core::SendResult)> done) {
  auto job = std::make_shared<Job>();
  job->batch = &batch;
  job->done = std::move(done);

  auto report = [job, alive = alive_, logger = logger_, id = output_->options.id] {
    // A wrong count in the batch is the producer's bug; the lines written are the truth.
    if (*alive && logger != nullptr && job->parsed && job->items != job->batch->items) {
      logger->warn(id, "a {} batch claimed {} items but its payload holds {}",
                   core::to_string(job->batch->signal), job->batch->items, job->items);
    }
    auto done = std::move(job->done);
    done(std::move(job->result));
  };
  if (loop_ == nullptr) {
    write_out(*output_, *job);
    report();
    return;
  }
  net::run_in_pool(
      loop_, [output = output_, job] { write_out(*output, *job); }, std::move(report));
}

}  // namespace vigil::exporters::stdout_exporter
