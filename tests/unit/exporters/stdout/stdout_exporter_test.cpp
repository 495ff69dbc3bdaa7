#include "exporters/stdout/stdout_exporter.h"

#include <signal.h>

#include <mutex>

#include "agent/telemetry/logger.h"
#include "exporters/stdout/json_lines.h"
#include "tests/unit/exporters/stdout/stdout_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::stdout_exporter {
namespace {

using namespace vigil::otlp::testing;
using namespace vigil::exporters::stdout_exporter::testing;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

class StdoutExporterTest : public ::testing::Test {
 protected:
  StdoutExporterTest()
      : logger_({}, clock_, [this](std::string_view line) {
          std::lock_guard lock(log_mutex_);
          log_.emplace_back(line);
        }) {}

  StdoutExporter make(int fd, std::chrono::milliseconds stall = std::chrono::milliseconds(5000),
                      bool with_loop = true) {
    StdoutExporterOptions options;
    options.id = "stdout/test";
    options.fd = fd;
    options.stall_timeout = stall;
    return StdoutExporter(std::move(options), with_loop ? loop_.get() : nullptr, &logger_);
  }

  std::vector<std::string> log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  vigil::testing::FakeClock clock_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  telemetry::Logger logger_;
  Loop loop_;
};

core::Batch trace_batch() {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  add_string(*rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("s");
  auto* span = ss->add_spans();
  span->set_trace_id(bytes_from_hex(kTraceIdHex));
  span->set_span_id(bytes_from_hex(kSpanIdHex));
  span->set_name("a");
  ss->add_spans()->set_name("b");
  return make_batch(core::Signal::kTraces, request, 2);
}

core::Batch log_batch(int records, std::uint64_t claimed, std::string_view text = "line") {
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  add_string(*rl->mutable_resource()->mutable_attributes(), "host.name", "h");
  auto* sl = rl->add_scope_logs();
  for (int i = 0; i < records; ++i) {
    auto* record = sl->add_log_records();
    record->mutable_body()->set_string_value(std::string(text) + " " + std::to_string(i));
  }
  return make_batch(core::Signal::kLogs, request, claimed);
}

core::Batch metric_batch() {
  ExportMetricsServiceRequest request;
  auto* sm = request.add_resource_metrics()->add_scope_metrics();
  sm->mutable_scope()->set_name("host");
  auto* sum = sm->add_metrics();
  sum->set_name("c");
  sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  sum->mutable_sum()->add_data_points()->set_as_int(1);
  sum->mutable_sum()->add_data_points()->set_as_int(2);
  auto* gauge = sm->add_metrics();
  gauge->set_name("g");
  gauge->mutable_gauge()->add_data_points()->set_as_double(0.5);
  return make_batch(core::Signal::kMetrics, request, 3);
}

std::string expected_lines(const core::Batch& batch) {
  std::string out;
  EXPECT_TRUE(append_json_lines(batch.signal, batch.payload, out).has_value());
  return out;
}

TEST_F(StdoutExporterTest, WritesOneExactLinePerItemOfEachSignal) {
  Pipe pipe;
  auto exporter = make(pipe.write_fd());

  const auto traces = trace_batch();
  EXPECT_EQ(send_and_wait(exporter, traces, loop_).status, core::SendResult::Status::kOk);
  const auto trace_lines = split_lines(pipe.drain());
  ASSERT_EQ(trace_lines.size(), 2u);
  EXPECT_EQ(
      trace_lines[0],
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",)"
      R"("spanId":"eee19b7ec3c1b174","name":"a"}]}]}]})");
  EXPECT_EQ(
      trace_lines[1],
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"s"},"spans":[{"name":"b"}]}]}]})");

  const auto logs = log_batch(2, 2);
  EXPECT_EQ(send_and_wait(exporter, logs, loop_).status, core::SendResult::Status::kOk);
  const auto log_lines = split_lines(pipe.drain());
  ASSERT_EQ(log_lines.size(), 2u);
  EXPECT_EQ(
      log_lines[1],
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"h"}}]},)"
      R"("scopeLogs":[{"logRecords":[{"body":{"stringValue":"line 1"}}]}]}]})");

  const auto points = metric_batch();
  EXPECT_EQ(send_and_wait(exporter, points, loop_).status, core::SendResult::Status::kOk);
  const auto metric_lines = split_lines(pipe.drain());
  ASSERT_EQ(metric_lines.size(), 3u);
  EXPECT_EQ(
      metric_lines[0],
      R"({"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"host"},"metrics":[{"name":"c",)"
      R"("sum":{"dataPoints":[{"asInt":"1"}],"aggregationTemporality":1}}]}]}]})");
  EXPECT_EQ(
      metric_lines[2],
      R"({"resourceMetrics":[{"scopeMetrics":[{"scope":{"name":"host"},"metrics":[{"name":"g",)"
      R"("gauge":{"dataPoints":[{"asDouble":0.5}]}}]}]}]})");
  EXPECT_TRUE(log().empty());
}

TEST_F(StdoutExporterTest, WithoutALoopReportsBeforeSendReturns) {
  Pipe pipe;
  auto exporter = make(pipe.write_fd(), std::chrono::milliseconds(5000), /*with_loop=*/false);
  const auto batch = log_batch(3, 3);
  std::optional<core::SendResult> result;
  exporter.send(batch, [&result](core::SendResult r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, core::SendResult::Status::kOk);
  EXPECT_EQ(pipe.drain(), expected_lines(batch));
}

TEST_F(StdoutExporterTest, CorruptPayloadIsPermanentAndWritesNothing) {
  Pipe pipe;
  auto exporter = make(pipe.write_fd());
  core::Batch batch;
  batch.signal = core::Signal::kLogs;
  batch.payload = "\x0a\x05\x01";
  batch.items = 1;
  const auto result = send_and_wait(exporter, batch, loop_);
  EXPECT_EQ(result.status, core::SendResult::Status::kPermanent);
  EXPECT_EQ(result.reason, "malformed ExportLogsServiceRequest (3 bytes)");
  EXPECT_EQ(pipe.drain(), "");
}

TEST_F(StdoutExporterTest, WritesTheRealItemsWhenTheBatchCountIsWrongAndWarns) {
  Pipe pipe;
  auto exporter = make(pipe.write_fd());
  const auto batch = log_batch(2, 5);
  EXPECT_EQ(send_and_wait(exporter, batch, loop_).status, core::SendResult::Status::kOk);
  EXPECT_EQ(split_lines(pipe.drain()).size(), 2u);
  const auto lines = log();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("stdout/test: a logs batch claimed 5 items but its payload holds 2"),
            std::string::npos)
      << lines[0];
}

TEST_F(StdoutExporterTest, ClosedReaderIsRetryableAndDoesNotKillTheProcess) {
  // The default disposition of SIGPIPE terminates: the exporter must keep it from arriving.
  struct sigaction previous {};
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &previous), 0);

  Pipe pipe;
  pipe.close_read();
  auto exporter = make(pipe.write_fd());
  const auto batch = trace_batch();
  const auto result = send_and_wait(exporter, batch, loop_);
  EXPECT_EQ(result.status, core::SendResult::Status::kRetryable);
  EXPECT_NE(result.reason.find("writing to stdout: Broken pipe (0 of "), std::string::npos)
      << result.reason;
  // And on the calling thread too (no loop).
  auto inline_exporter = make(pipe.write_fd(), std::chrono::milliseconds(5000), false);
  std::optional<core::SendResult> inline_result;
  inline_exporter.send(batch, [&](core::SendResult r) { inline_result = std::move(r); });
  ASSERT_TRUE(inline_result.has_value());
  EXPECT_EQ(inline_result->status, core::SendResult::Status::kRetryable);
  sigset_t pending;
  ASSERT_EQ(sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);

  ASSERT_EQ(sigaction(SIGPIPE, &previous, nullptr), 0);
}

TEST_F(StdoutExporterTest, FullNonBlockingStreamIsRetryableWithNothingWritten) {
  Pipe pipe;
  pipe.set_nonblocking(pipe.write_fd());
  // Fill the pipe completely.
  const std::string filler(65536, 'x');
  std::size_t filled = 0;
  while (true) {
    const ssize_t n = ::write(pipe.write_fd(), filler.data(), filler.size());
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  ASSERT_GT(filled, 0u);
  auto exporter = make(pipe.write_fd());
  const auto batch = log_batch(2, 2);
  const auto full = send_and_wait(exporter, batch, loop_);
  EXPECT_EQ(full.status, core::SendResult::Status::kRetryable);
  EXPECT_NE(full.reason.find("Resource temporarily unavailable (0 of "), std::string::npos)
      << full.reason;
  EXPECT_EQ(pipe.drain(), std::string(filled, 'x'));

  // Once there is room the retry writes the whole batch, and nothing more.
  EXPECT_EQ(send_and_wait(exporter, batch, loop_).status, core::SendResult::Status::kOk);
  EXPECT_EQ(pipe.drain(), expected_lines(batch));
}

TEST_F(StdoutExporterTest, StallMidBatchIsRetryableAndTheRetryStartsOnAFreshLine) {
  Pipe pipe;
  ASSERT_GT(pipe.set_capacity(4096), 0);
  pipe.set_nonblocking(pipe.write_fd());
  auto exporter = make(pipe.write_fd(), std::chrono::milliseconds(50));
  const auto batch = log_batch(200, 200, "a somewhat longer log line to fill the pipe");
  const std::string lines = expected_lines(batch);

  // Nobody reads: part of the batch goes out, then the pipe stays full.
  const auto stalled = send_and_wait(exporter, batch, loop_);
  EXPECT_EQ(stalled.status, core::SendResult::Status::kRetryable);
  const std::string first = pipe.drain();
  ASSERT_GT(first.size(), 0u);
  ASSERT_LT(first.size(), lines.size());
  EXPECT_EQ(first, lines.substr(0, first.size()));
  EXPECT_NE(
      stalled.reason.find(fmt::format("({} of {} bytes written)", first.size(), lines.size())),
      std::string::npos)
      << stalled.reason;

  // With a reader the retry completes; a cut-off line is ended before the batch starts again.
  std::optional<PipeReader> reader;
  {
    // The reader needs a blocking read end.
    ASSERT_EQ(::fcntl(pipe.read_fd(), F_SETFL, ::fcntl(pipe.read_fd(), F_GETFL) & ~O_NONBLOCK), 0);
    reader.emplace(pipe.read_fd());
  }
  EXPECT_EQ(send_and_wait(exporter, batch, loop_).status, core::SendResult::Status::kOk);
  pipe.close_write();
  const std::string second = reader->finish();
  const bool torn = first.back() != '\n';
  EXPECT_TRUE(torn);  // 4096 bytes never end exactly at a line here
  EXPECT_EQ(second, (torn ? "\n" : "") + lines);
  EXPECT_EQ(split_lines(second).size(), 201u);
}

TEST_F(StdoutExporterTest, ConcurrentBatchesNeverInterleave) {
  Pipe pipe;
  PipeReader reader(pipe.read_fd());
  auto exporter = make(pipe.write_fd());
  std::vector<core::Batch> batches;
  for (int i = 0; i < 4; ++i) {
    batches.push_back(log_batch(300, 300, "batch " + std::to_string(i)));
  }
  int reported = 0;
  for (const auto& batch : batches) {
    exporter.send(batch, [&reported](core::SendResult r) {
      EXPECT_EQ(r.status, core::SendResult::Status::kOk);
      ++reported;
    });
  }
  loop_.run();
  EXPECT_EQ(reported, 4);
  pipe.close_write();
  std::string text = reader.finish();
  // Each batch's lines are one contiguous block, in some order.
  for (const auto& batch : batches) {
    const std::string block = expected_lines(batch);
    const auto at = text.find(block);
    ASSERT_NE(at, std::string::npos);
    text.erase(at, block.size());
  }
  EXPECT_EQ(text, "");
}

TEST_F(StdoutExporterTest, BadFdIsPermanent) {
  Pipe pipe;
  auto exporter = make(pipe.read_fd());  // not open for writing
  const auto batch = trace_batch();
  const auto result = send_and_wait(exporter, batch, loop_);
  EXPECT_EQ(result.status, core::SendResult::Status::kPermanent);
  EXPECT_NE(result.reason.find("Bad file descriptor"), std::string::npos) << result.reason;
}

TEST_F(StdoutExporterTest, ResultArrivingAfterTheExporterIsGoneStillReports) {
  Pipe pipe;
  const auto batch = log_batch(2, 7);  // wrong count: the warning must be skipped, not crash
  std::optional<core::SendResult> result;
  {
    auto exporter = make(pipe.write_fd());
    exporter.send(batch, [&result](core::SendResult r) { result = std::move(r); });
  }
  loop_.run();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, core::SendResult::Status::kOk);
  EXPECT_EQ(pipe.drain(), expected_lines(batch));
}

}  // namespace
}  // namespace vigil::exporters::stdout_exporter
