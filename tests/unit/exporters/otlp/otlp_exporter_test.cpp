// The exporter end to end over loopback, against the agent's own HTTP and gRPC servers as
// scripted backends: what goes on the wire, and what the batch's verdict is.

#include "exporters/otlp/otlp_exporter.h"

#include <csignal>
#include <deque>
#include <optional>
#include <set>

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <uv.h>

#include "agent/config/config_reader.h"
#include "agent/net/compression.h"
#include "agent/net/grpc_server.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_scheduler.h"
#include "agent/net/uv_timer.h"
#include "agent/otlp/otlp_json_decode.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "google/rpc/status.pb.h"
#include "tests/unit/exporters/otlp/otlp_export_test_support.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace otlp_export_test;
using namespace std::chrono_literals;
using Status = core::SendResult::Status;

// A server handler that records each request and answers with the next scripted response (a
// default one once the script is used up).
template <typename Request, typename Response, typename Responder>
std::function<void(Request&&, Responder)> scripted_handler(std::vector<Request>& seen,
                                                           std::deque<Response>& answers) {
  return [&seen, &answers](Request&& request, Responder responder) {
    seen.push_back(request);
    Response response;
    if (!answers.empty()) {
      response = std::move(answers.front());
      answers.pop_front();
    }
    responder.send(std::move(response));
  };
}

net::HttpHandler scripted(std::vector<net::HttpRequest>& seen,
                          std::deque<net::HttpResponse>& answers) {
  return scripted_handler<net::HttpRequest, net::HttpResponse, net::HttpResponder>(seen, answers);
}

net::GrpcHandler scripted(std::vector<net::GrpcRequest>& seen,
                          std::deque<net::GrpcResponse>& answers) {
  return scripted_handler<net::GrpcRequest, net::GrpcResponse, net::GrpcResponder>(seen, answers);
}

class Backend {
 public:
  Backend() {
    std::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    scheduler_ = std::make_unique<net::UvScheduler>(&loop_);
    client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
    context_.loop = &loop_;
    context_.metrics = &registry_;
    context_.logger = &logger_;
    context_.clock = &clock_;
    context_.scheduler = scheduler_.get();
    context_.http_client = client_.get();
    http_ = std::make_unique<net::HttpServer>(&loop_, net::HttpServerOptions{},
                                              scripted(http_seen_, http_answers_), logger_);
    EXPECT_TRUE(http_->listen().has_value());
    grpc_ = std::make_unique<net::GrpcServer>(&loop_, net::GrpcServerOptions{},
                                              scripted(grpc_seen_, grpc_answers_), logger_);
    EXPECT_TRUE(grpc_->listen().has_value());
  }

  ~Backend() {
    exporter_.reset();
    client_.reset();
    http_.reset();
    grpc_.reset();
    for (int i = 0; i < 200 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open on the loop";
  }

  std::string http_base() const { return "http://127.0.0.1:" + std::to_string(http_->port()); }
  std::string grpc_base() const { return "http://127.0.0.1:" + std::to_string(grpc_->port()); }

  // Builds the exporter from the body of an [exporters.otlp] table.
  OtlpExporter& exporter(std::string toml_text,
                         std::unique_ptr<net::RequestSigner> signer = nullptr) {
    auto table = toml::parse(toml_text);
    config::Diagnostics diagnostics;
    auto reader_context = std::make_shared<config::ReaderContext>();
    reader_context->file = "agent.toml";
    reader_context->diagnostics = &diagnostics;
    config::ConfigReader reader(reader_context, &table, "exporters.otlp");
    auto config = parse_otlp_exporter_config(reader);
    reader.finish();
    EXPECT_TRUE(diagnostics.ok()) << diagnostics.joined();
    exporter_ = std::make_unique<OtlpExporter>("otlp", config, context_, std::move(signer));
    return *exporter_;
  }

  core::SendResult send(const core::Batch& batch) { return send_together({&batch})[0]; }

  // Sends the batches at once (concurrent requests) and waits for every verdict.
  std::vector<core::SendResult> send_together(const std::vector<const core::Batch*>& batches) {
    std::vector<std::optional<core::SendResult>> results(batches.size());
    for (std::size_t i = 0; i < batches.size(); ++i) {
      exporter_->send(*batches[i],
                      [&results, i](core::SendResult r) { results[i] = std::move(r); });
    }
    const auto all = [&] {
      return std::all_of(results.begin(), results.end(),
                         [](const auto& r) { return r.has_value(); });
    };
    net::UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!all() && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    std::vector<core::SendResult> out;
    for (auto& r : results) {
      EXPECT_TRUE(r.has_value()) << "no verdict in time";
      out.push_back(r.value_or(core::SendResult::permanent("no verdict")));
    }
    return out;
  }

  std::uint64_t counter(std::string_view name, telemetry::Labels labels) {
    return registry_.counter(name, "", std::move(labels)).value();
  }

  std::deque<net::HttpResponse> http_answers_;
  std::vector<net::HttpRequest> http_seen_;
  std::deque<net::GrpcResponse> grpc_answers_;
  std::vector<net::GrpcRequest> grpc_seen_;
  std::vector<std::string> log_lines_;

 private:
  uv_loop_t loop_{};
  core::SystemClock clock_;
  telemetry::MetricsRegistry registry_;
  telemetry::Logger logger_{telemetry::Logger::Options{}, clock_,
                            [this](std::string_view line) { log_lines_.emplace_back(line); }};
  std::unique_ptr<net::UvScheduler> scheduler_;
  std::unique_ptr<net::HttpClient> client_;
  app::ComponentContext context_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<net::GrpcServer> grpc_;
  std::unique_ptr<OtlpExporter> exporter_;
};

core::Batch batch_of(core::Signal signal, const google::protobuf::Message& request,
                     std::uint64_t items) {
  core::Batch batch;
  batch.signal = signal;
  batch.payload = request.SerializeAsString();
  batch.items = items;
  batch.source = "test";
  return batch;
}

std::string body_of(const net::HttpRequest& request) {
  const std::string_view encoding = net::find_header(request.headers, "content-encoding");
  if (encoding.empty()) return request.body;
  auto plain = net::decompress(net::parse_codec(encoding).value(), request.body, 64 << 20);
  EXPECT_TRUE(plain.has_value());
  return plain.value_or("");
}

net::HttpResponse answer(int status, net::HttpHeaders headers = {}, std::string body = "") {
  net::HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

TEST(OtlpExporter, HttpProtobufSendsTheBatchBytesWithItsHeaders) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "/base/\"\n" +
                   "compression = \"zstd\"\n[headers]\n\"X-Tenant\" = \"acme\"\n");
  const auto request = logs_request(2, 1, 40);
  const core::Batch batch = batch_of(core::Signal::kLogs, request, 80);
  const auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kOk) << result.reason;
  ASSERT_EQ(backend.http_seen_.size(), 1u);
  const net::HttpRequest& seen = backend.http_seen_[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/base/v1/logs");
  EXPECT_EQ(net::find_header(seen.headers, "content-type"), "application/x-protobuf");
  EXPECT_EQ(net::find_header(seen.headers, "content-encoding"), "zstd");
  EXPECT_EQ(net::find_header(seen.headers, "x-tenant"), "acme");
  EXPECT_TRUE(net::find_header(seen.headers, "user-agent").starts_with("vigil/"));
  EXPECT_EQ(body_of(seen), batch.payload);
  EXPECT_EQ(backend.counter("vigil_otlp_export_requests_total",
                            {{"component", "otlp"}, {"status", "200"}}),
            1u);
  EXPECT_EQ(backend.counter("vigil_otlp_export_sent_bytes_total", {{"component", "otlp"}}),
            seen.body.size());
}

TEST(OtlpExporter, HttpJsonAndPartialSuccess) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\nprotocol = \"http/json\"\n");
  backend.http_answers_.push_back(
      answer(200, {{"Content-Type", "application/json"}},
             R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"span 2 is too old"}})"));
  const auto request = traces_request(1, 3);
  const auto result = backend.send(batch_of(core::Signal::kTraces, request, 3));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.rejected_items, 1u);
  EXPECT_EQ(result.reason, "span 2 is too old");
  ASSERT_EQ(backend.http_seen_.size(), 1u);
  EXPECT_EQ(backend.http_seen_[0].path, "/v1/traces");
  EXPECT_EQ(net::find_header(backend.http_seen_[0].headers, "content-type"), "application/json");
  ExportTraceServiceRequest back;
  ASSERT_TRUE(vigil::otlp::parse_otlp_json(body_of(backend.http_seen_[0]), back).has_value());
  EXPECT_EQ(back.SerializeAsString(), request.SerializeAsString());
}

TEST(OtlpExporter, HttpFailuresAreClassified) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\n");
  google::rpc::Status status;
  status.set_code(3);
  status.set_message("bad record");
  backend.http_answers_.push_back(answer(429, {{"Retry-After", "3"}}));
  backend.http_answers_.push_back(
      answer(400, {{"Content-Type", "application/x-protobuf"}}, status.SerializeAsString()));
  const core::Batch batch = batch_of(core::Signal::kLogs, logs_request(1, 1, 1), 1);
  auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.retry_after, core::Duration(3s));
  result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kPermanent);
  EXPECT_EQ(result.reason, "HTTP 400 Bad Request: bad record");
}

TEST(OtlpExporter, GrpcCallsCarryTheProtocolsHeaders) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.grpc_base() + "\"\nprotocol = \"grpc\"\n" +
                   "timeout = \"7s\"\n[headers]\n\"X-Tenant\" = \"acme\"\n");
  ExportMetricsServiceResponse partial;
  partial.mutable_partial_success()->set_rejected_data_points(2);
  partial.mutable_partial_success()->set_error_message("2 points out of order");
  net::GrpcResponse ok;
  ok.body = partial.SerializeAsString();
  backend.grpc_answers_.push_back(ok);
  const auto request = metrics_request(30);  // large enough to be compressed
  const core::Batch batch = batch_of(core::Signal::kMetrics, request, 150);
  auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kOk) << result.reason;
  EXPECT_EQ(result.rejected_items, 2u);
  ASSERT_EQ(backend.grpc_seen_.size(), 1u);
  const net::GrpcRequest& seen = backend.grpc_seen_[0];
  EXPECT_EQ(seen.path, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
  EXPECT_EQ(seen.message, batch.payload);  // the server decompressed it
  EXPECT_EQ(seen.header("grpc-encoding"), "gzip");
  EXPECT_EQ(seen.header("te"), "trailers");
  EXPECT_EQ(seen.header("grpc-timeout"), "7000m");
  EXPECT_EQ(seen.header("x-tenant"), "acme");
  EXPECT_TRUE(seen.header("content-type").starts_with("application/grpc"));

  // Trailers-Only UNAVAILABLE with RetryInfo.
  net::GrpcResponse unavailable;
  unavailable.code = net::kGrpcUnavailable;
  unavailable.message = "shedding load";
  google::rpc::Status status;
  status.set_code(14);
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(4);
  status.add_details()->PackFrom(info);
  unavailable.status_details = status.SerializeAsString();
  backend.grpc_answers_.push_back(unavailable);
  result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.retry_after, core::Duration(4s));
  EXPECT_EQ(result.reason, "gRPC UNAVAILABLE: shedding load");
  net::GrpcResponse invalid;
  invalid.code = net::kGrpcInvalidArgument;
  invalid.message = "no";
  backend.grpc_answers_.push_back(invalid);
  result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kPermanent);
  EXPECT_EQ(backend.counter("vigil_otlp_export_requests_total",
                            {{"component", "otlp"}, {"status", "14"}}),
            1u);
}

// Calls one after the other and at the same time: every one succeeds (libcurl 7.88 fails
// requests that reuse an h2c connection; agent/net works around it).
TEST(OtlpExporter, GrpcCallsInARowAndConcurrently) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.grpc_base() + "\"\nprotocol = \"grpc\"\n");
  std::vector<core::Batch> batches;
  for (int i = 0; i < 6; ++i)
    batches.push_back(batch_of(core::Signal::kTraces, traces_request(1, i + 1), i + 1));
  for (int i = 0; i < 3; ++i) {
    const auto result = backend.send(batches[i]);
    EXPECT_EQ(result.status, Status::kOk) << result.reason;
  }
  for (const auto& result : backend.send_together({&batches[3], &batches[4], &batches[5]})) {
    EXPECT_EQ(result.status, Status::kOk) << result.reason;
  }
  ASSERT_EQ(backend.grpc_seen_.size(), 6u);
  std::multiset<std::string> seen, sent;
  for (int i = 0; i < 6; ++i) {
    seen.insert(backend.grpc_seen_[i].message);
    sent.insert(batches[i].payload);
  }
  EXPECT_EQ(seen, sent);
}

// Small batches are cut on the loop, large ones on the thread pool: both resume alike.
void expect_resume_at_the_failed_part(int records, const std::string& max_request_size,
                                      std::size_t max_bytes) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\nmax_request_size = \"" +
                   max_request_size + "\"\ncompression = \"none\"\n");
  const auto request = logs_request(1, 1, records, 100);
  const core::Batch batch = batch_of(core::Signal::kLogs, request, records);
  backend.http_answers_.push_back(answer(200));
  backend.http_answers_.push_back(answer(503, {{"Retry-After", "1"}}));
  auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_NE(result.reason.find("(request 2 of"), std::string::npos) << result.reason;
  ASSERT_EQ(backend.http_seen_.size(), 2u);
  // The retry starts with the part that failed; every item reaches the backend once.
  result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kOk) << result.reason;
  std::vector<std::string> delivered;
  for (std::size_t i = 0; i < backend.http_seen_.size(); ++i) {
    if (i == 1) continue;  // refused with 503
    EXPECT_LE(backend.http_seen_[i].body.size(), max_bytes);
    auto items = items_of(core::Signal::kLogs, body_of(backend.http_seen_[i]));
    delivered.insert(delivered.end(), items.begin(), items.end());
  }
  EXPECT_EQ(delivered, items_of(core::Signal::kLogs, batch.payload));
  EXPECT_GT(backend.http_seen_.size(), 4u);
}

TEST(OtlpExporter, ASplitBatchResumesAtThePartThatFailed) {
  expect_resume_at_the_failed_part(60, "2KiB", 2048);
}

TEST(OtlpExporter, ALargeSplitBatchResumesAtThePartThatFailed) {
  expect_resume_at_the_failed_part(400, "16KiB", 16384);
}

TEST(OtlpExporter, AStrayPermanentFailureOfOnePartCountsItsItemsAsRejected) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\nmax_request_size = \"2KiB\"\n");
  const auto request = logs_request(1, 1, 30, 100);
  const core::Batch batch = batch_of(core::Signal::kLogs, request, 30);
  backend.http_answers_.push_back(answer(200));
  backend.http_answers_.push_back(answer(413, {{"Content-Type", "text/plain"}}, "too big"));
  const auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kOk);
  const auto second = items_of(core::Signal::kLogs, body_of(backend.http_seen_[1]));
  EXPECT_EQ(result.rejected_items, second.size());
  EXPECT_NE(result.reason.find("HTTP 413 Payload Too Large: too big (request 2 of"),
            std::string::npos)
      << result.reason;
  // Every part failing permanently is a permanent failure of the batch.
  for (int i = 0; i < 10; ++i) backend.http_answers_.push_back(answer(400));
  EXPECT_EQ(backend.send(batch).status, Status::kPermanent);
}

class FakeSigner final : public net::RequestSigner {
 public:
  void sign(net::HttpClientRequest request,
            std::function<void(core::Result<net::HttpClientRequest>)> done) override {
    ++calls;
    if (fail) {
      done(core::make_error("no credentials"));
      return;
    }
    // What a signature covers: the body as sent.
    request.headers.push_back({"X-Body-Size", std::to_string(request.body.size())});
    done(std::move(request));
  }
  int calls = 0;
  bool fail = false;
};

TEST(OtlpExporter, TheSignerSeesTheCompressedBody) {
  Backend backend;
  auto signer = std::make_unique<FakeSigner>();
  FakeSigner* fake = signer.get();
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\n", std::move(signer));
  const core::Batch batch = batch_of(core::Signal::kLogs, logs_request(1, 1, 50), 50);
  EXPECT_EQ(backend.send(batch).status, Status::kOk);
  ASSERT_EQ(backend.http_seen_.size(), 1u);
  EXPECT_EQ(net::find_header(backend.http_seen_[0].headers, "x-body-size"),
            std::to_string(backend.http_seen_[0].body.size()));
  EXPECT_EQ(net::find_header(backend.http_seen_[0].headers, "content-encoding"), "gzip");
  fake->fail = true;
  const auto result = backend.send(batch);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.reason, "cannot sign the request: no credentials");
  EXPECT_EQ(fake->calls, 2);
}

TEST(OtlpExporter, NoServerIsRetryable) {
  Backend backend;
  backend.exporter("endpoint = \"http://127.0.0.1:9\"\n");  // discard port: nothing listens
  const auto result = backend.send(batch_of(core::Signal::kLogs, logs_request(1, 1, 1), 1));
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(backend.counter("vigil_otlp_export_requests_total",
                            {{"component", "otlp"}, {"status", "error"}}),
            1u);
}

TEST(OtlpExporter, LargeBatchesAreEncodedOnThePool) {
  Backend backend;
  backend.exporter("endpoint = \"" + backend.http_base() + "\"\nprotocol = \"http/json\"\n");
  const auto request = logs_request(4, 2, 300, 80);  // far above the pool threshold
  const core::Batch batch = batch_of(core::Signal::kLogs, request, 2400);
  EXPECT_EQ(backend.send(batch).status, Status::kOk);
  ASSERT_EQ(backend.http_seen_.size(), 1u);
  ExportLogsServiceRequest back;
  ASSERT_TRUE(vigil::otlp::parse_otlp_json(body_of(backend.http_seen_[0]), back).has_value());
  EXPECT_EQ(back.SerializeAsString(), batch.payload);
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
