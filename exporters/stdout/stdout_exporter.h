#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "agent/app/component.h"
#include "agent/core/batch.h"
#include "agent/core/export_pump.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::exporters::stdout_exporter {

enum class Stream : std::uint8_t { kStdout, kStderr };

// The kind's own keys ([exporters.stdout]).
struct StdoutConfig final : app::ComponentConfig {
  Stream stream = Stream::kStdout;
};

struct StdoutExporterOptions {
  std::string id = "stdout";           // component id, for logs
  int fd = 1;                          // where lines go; not owned, never closed
  std::string stream_name = "stdout";  // for messages
  // How long a write that has started may wait for a full pipe to drain (see fd_writer.h).
  std::chrono::milliseconds stall_timeout{5000};
};

// Writes every item of a batch (span, log record, metric data point) as one line of OTLP/JSON:
// a complete single-item export request (README.md). The lines of a batch go out in one write,
// made, with the formatting, on libuv's thread pool, so a slow terminal or reader never stalls
// the loop. Without a loop (tools, tests) it works on the calling thread.
class StdoutExporter final : public app::Exporter {
 public:
  StdoutExporter(StdoutExporterOptions options, uv_loop_t* loop, telemetry::Logger* logger);
  ~StdoutExporter() override;
  StdoutExporter(const StdoutExporter&) = delete;
  StdoutExporter& operator=(const StdoutExporter&) = delete;

  // ok once every line is written; retryable when the stream is full, closed by its reader
  // (EPIPE) or fails otherwise in a way that can pass; permanent for a payload that does not
  // parse and for an fd that is not open for writing.
  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;

  // What one write-out left behind, shared with work still running on the pool.
  struct Output;

 private:
  std::shared_ptr<Output> output_;
  uv_loop_t* loop_;
  telemetry::Logger* logger_;
  // Lets results that arrive after destruction skip the logging that needs `this`.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The `stdout` kind: option `stream` = "stdout" (default) | "stderr"; accepts every signal.
app::ExporterFactory stdout_exporter_factory();

}  // namespace vigil::exporters::stdout_exporter
