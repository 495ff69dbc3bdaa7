// The remote-write exporter over loopback: the project's HTTP server plays the receiver (it
// answers from a script and records what it got; bodies are decoded with libsnappy and the
// generated remote.proto classes), the exporter runs on a real loop with its thread pool.

#include "exporters/prometheus/remote_write_exporter.h"

#include <signal.h>

#include <chrono>
#include <deque>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "agent/net/http_client.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "prometheus/remote.pb.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::kSecond;
using testing::kT0;
using testing::RequestBuilder;

struct Answer {
  int status = 204;
  std::string body = {};
  net::HttpHeaders headers = {};
};

struct Received {
  net::HttpHeaders headers;
  std::string compressed;
  ::prometheus::WriteRequest request;
};

class RemoteWriteExporterTest : public ::testing::Test {
 protected:
  RemoteWriteExporterTest()
      : logger_(telemetry::Logger::Options{}, clock_,
                [this](std::string_view line) { log_.emplace_back(line); }) {
    ::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    net::HttpServerOptions options;
    server_ = std::make_unique<net::HttpServer>(
        &loop_, options,
        [this](net::HttpRequest&& request, net::HttpResponder responder) {
          Received r;
          r.headers = request.headers;
          r.compressed = request.body;
          auto plain = net::decompress(net::Codec::kSnappy, request.body, 64 << 20);
          EXPECT_TRUE(plain.has_value());
          if (plain) {
            EXPECT_TRUE(r.request.ParseFromString(*plain));
          }
          received_.push_back(std::move(r));
          Answer answer;
          if (!script_.empty()) {
            answer = script_.front();
            if (script_.size() > 1) script_.pop_front();
          }
          responder.send(net::HttpResponse{answer.status, answer.headers, answer.body});
        },
        logger_);
    auto listening = server_->listen();
    EXPECT_TRUE(listening.has_value());
    client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
  }

  ~RemoteWriteExporterTest() override {
    exporter_.reset();
    client_.reset();
    server_->close();
    server_.reset();
    for (int i = 0; i < 200 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  RemoteWriteExporter& exporter(std::function<void(RemoteWriteConfig&)> configure = nullptr,
                                std::unique_ptr<net::RequestSigner> signer = nullptr) {
    auto config = std::make_shared<RemoteWriteConfig>();
    config->url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/api/v1/write";
    config->headers = {{"X-Scope-OrgID", "tenant-1"}};
    config->scope_labels = false;
    config->target_info = false;
    if (configure) configure(*config);
    app::ComponentContext context;
    context.loop = &loop_;
    context.metrics = &metrics_;
    context.logger = &logger_;
    context.clock = &clock_;
    context.http_client = client_.get();
    exporter_ = std::make_unique<RemoteWriteExporter>("prometheus_remote_write/t", config, context,
                                                      std::move(signer));
    return *exporter_;
  }

  // Sends `batch` and runs the loop until the exporter reports.
  core::SendResult send(const core::Batch& batch) {
    std::optional<core::SendResult> result;
    exporter_->send(batch, [&](core::SendResult r) { result = std::move(r); });
    net::UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!result && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_TRUE(result.has_value()) << "no result in time";
    return result.value_or(core::SendResult::permanent("timed out"));
  }

  static core::Batch batch_of(const RequestBuilder& request, std::uint64_t items) {
    core::Batch batch;
    batch.signal = core::Signal::kMetrics;
    batch.payload = request.bytes();
    batch.items = items;
    batch.source = "otlp";
    return batch;
  }

  // A batch of `n` gauge points, one series each.
  static core::Batch gauges(int n, double value = 1) {
    RequestBuilder request;
    for (int i = 0; i < n; ++i) request.gauge("g", "", {{"i", std::to_string(i)}}, value);
    return batch_of(request, static_cast<std::uint64_t>(n));
  }

  double counter(std::string_view name, telemetry::Labels labels) {
    labels.insert(labels.begin(), {"component", "prometheus_remote_write/t"});
    for (const auto& s : metrics_.collect()) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return 0;
  }

  std::size_t samples_received() const {
    std::size_t n = 0;
    for (const auto& r : received_) {
      for (const auto& ts : r.request.timeseries())
        n += static_cast<std::size_t>(ts.samples_size());
    }
    return n;
  }

  core::SystemClock clock_;
  std::vector<std::string> log_;
  telemetry::Logger logger_;
  telemetry::MetricsRegistry metrics_;
  uv_loop_t loop_{};
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpClient> client_;
  std::unique_ptr<RemoteWriteExporter> exporter_;
  std::deque<Answer> script_;
  std::vector<Received> received_;
};

TEST_F(RemoteWriteExporterTest, SendsTheRequiredHeadersAndASnappyWriteRequest) {
  exporter([](RemoteWriteConfig& c) { c.external_labels = {{"cluster", "eu"}}; });
  const auto result = send(gauges(3, 2.5));
  EXPECT_EQ(result.status, core::SendResult::Status::kOk) << result.reason;
  ASSERT_EQ(received_.size(), 1u);
  const auto& r = received_[0];
  EXPECT_EQ(net::find_header(r.headers, "content-encoding"), "snappy");
  EXPECT_EQ(net::find_header(r.headers, "content-type"), "application/x-protobuf");
  EXPECT_EQ(net::find_header(r.headers, "x-prometheus-remote-write-version"), "0.1.0");
  EXPECT_THAT(std::string(net::find_header(r.headers, "user-agent")), HasSubstr("vigil/"));
  EXPECT_EQ(net::find_header(r.headers, "x-scope-orgid"), "tenant-1");
  ASSERT_EQ(r.request.timeseries_size(), 3);
  const auto& ts = r.request.timeseries(0);
  ASSERT_EQ(ts.labels_size(), 3);
  EXPECT_EQ(ts.labels(0).name(), "__name__");
  EXPECT_EQ(ts.labels(0).value(), "g");
  EXPECT_EQ(ts.labels(1).name(), "cluster");
  EXPECT_EQ(ts.labels(2).name(), "i");
  EXPECT_EQ(ts.samples(0).value(), 2.5);
  EXPECT_EQ(ts.samples(0).timestamp(), testing::kT0Ms);
  EXPECT_EQ(counter("vigil_prometheus_remote_write_samples_total", {}), 3);
  EXPECT_EQ(counter("vigil_prometheus_remote_write_sent_bytes_total", {}),
            static_cast<double>(r.compressed.size()));
  EXPECT_EQ(counter("vigil_prometheus_remote_write_requests_total", {{"status", "204"}}), 1);
}

TEST_F(RemoteWriteExporterTest, ARetryResumesAtTheRequestThatFailed) {
  exporter([](RemoteWriteConfig& c) { c.max_samples_per_send = 3; });
  script_ = {{204}, {503, "busy"}, {204}};
  const core::Batch batch = gauges(10);  // 4 requests: 3 + 3 + 3 + 1
  auto result = send(batch);
  EXPECT_EQ(result.status, core::SendResult::Status::kRetryable);
  EXPECT_THAT(result.reason, HasSubstr("HTTP 503"));
  EXPECT_THAT(result.reason, HasSubstr("busy"));
  EXPECT_EQ(received_.size(), 2u);
  result = send(batch);  // the pump's retry
  EXPECT_EQ(result.status, core::SendResult::Status::kOk) << result.reason;
  ASSERT_EQ(received_.size(), 5u);  // not 6: the first request is not sent again
  EXPECT_EQ(received_[2].compressed, received_[1].compressed);
  EXPECT_EQ(samples_received(), 13u);  // 10 + the 3 of the request sent twice
  EXPECT_EQ(counter("vigil_prometheus_remote_write_samples_total", {}), 10);
  EXPECT_EQ(counter("vigil_prometheus_remote_write_requests_total", {{"status", "503"}}), 1);
}

TEST_F(RemoteWriteExporterTest, TooManyRequestsCarriesRetryAfter) {
  exporter();
  script_ = {{429, "slow down", {{"Retry-After", "3"}}}, {204}};
  const core::Batch batch = gauges(1);
  auto result = send(batch);
  EXPECT_EQ(result.status, core::SendResult::Status::kRetryable);
  ASSERT_TRUE(result.retry_after.has_value());
  EXPECT_EQ(*result.retry_after, 3s);
  EXPECT_EQ(send(batch).status, core::SendResult::Status::kOk);
}

TEST_F(RemoteWriteExporterTest, NoAnswerIsRetryable) {
  exporter([](RemoteWriteConfig& c) { c.url = "http://127.0.0.1:1/api/v1/write"; });
  const auto result = send(gauges(1));
  EXPECT_EQ(result.status, core::SendResult::Status::kRetryable);
  EXPECT_THAT(result.reason, HasSubstr("no response"));
  EXPECT_EQ(counter("vigil_prometheus_remote_write_requests_total", {{"status", "error"}}), 1);
}

TEST_F(RemoteWriteExporterTest, ARetriedDeltaBatchIsNotAccumulatedTwice) {
  exporter();
  script_ = {{503}, {204}};
  auto delta = [](double v, std::uint64_t t) {
    RequestBuilder r;
    r.sum("events", "", {}, v, true, true, t - 10 * kSecond, t);
    return batch_of(r, 1);
  };
  const core::Batch first = delta(5, kT0);
  EXPECT_EQ(send(first).status, core::SendResult::Status::kRetryable);
  EXPECT_EQ(send(first).status, core::SendResult::Status::kOk);
  EXPECT_EQ(send(delta(3, kT0 + 10 * kSecond)).status, core::SendResult::Status::kOk);
  ASSERT_EQ(received_.size(), 3u);
  EXPECT_EQ(received_[0].request.timeseries(0).samples(0).value(), 5);
  EXPECT_EQ(received_[1].request.timeseries(0).samples(0).value(), 5);
  EXPECT_EQ(received_[2].request.timeseries(0).samples(0).value(), 8);
}

TEST_F(RemoteWriteExporterTest, ARefusalIsPermanentWithTheReceiversMessage) {
  exporter();
  script_ = {{400, "out of order sample\n"}};
  const auto result = send(gauges(2));
  EXPECT_EQ(result.status, core::SendResult::Status::kPermanent);
  EXPECT_EQ(result.reason, "HTTP 400 Bad Request: out of order sample");
  EXPECT_EQ(received_.size(), 1u);
  bool logged = false;
  for (const auto& line : log_) logged |= line.find("out of order sample") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(RemoteWriteExporterTest, APartialRefusalCountsTheRefusedShareAsRejected) {
  exporter([](RemoteWriteConfig& c) { c.max_samples_per_send = 4; });
  script_ = {{204}, {400, "bad"}, {204}};
  const auto result = send(gauges(12));  // 3 requests of 4
  EXPECT_EQ(result.status, core::SendResult::Status::kOk);
  EXPECT_EQ(result.rejected_items, 4u);
  EXPECT_THAT(result.reason, HasSubstr("bad"));
  EXPECT_EQ(received_.size(), 3u);
  EXPECT_EQ(counter("vigil_prometheus_remote_write_samples_total", {}), 8);
}

TEST_F(RemoteWriteExporterTest, UntranslatablePointsAreCounted) {
  exporter();
  RequestBuilder request;
  request.gauge("ok", "", {}, 1);
  request.gauge("no.time", "", {}, 1, 0);
  const auto result = send(batch_of(request, 2));
  EXPECT_EQ(result.status, core::SendResult::Status::kOk);
  EXPECT_EQ(samples_received(), 1u);
  EXPECT_EQ(counter("vigil_dropped_items_total", {{"reason", "invalid_point"}}), 1);
}

TEST_F(RemoteWriteExporterTest, GarbageIsPermanentAndNothingIsNothing) {
  exporter();
  core::Batch garbage;
  garbage.signal = core::Signal::kMetrics;
  garbage.payload = "\xff\xff\xff";
  garbage.items = 1;
  const auto result = send(garbage);
  EXPECT_EQ(result.status, core::SendResult::Status::kPermanent);
  EXPECT_THAT(result.reason, HasSubstr("not a valid ExportMetricsServiceRequest"));
  EXPECT_EQ(send(batch_of(RequestBuilder(), 0)).status, core::SendResult::Status::kOk);
  EXPECT_TRUE(received_.empty());
}

class FakeSigner final : public net::RequestSigner {
 public:
  explicit FakeSigner(bool fail) : fail_(fail) {}
  void sign(net::HttpClientRequest request,
            std::function<void(core::Result<net::HttpClientRequest>)> done) override {
    if (fail_) {
      done(core::make_error("no credentials"));
      return;
    }
    request.headers.push_back({"Authorization", "signed " + std::to_string(request.body.size())});
    done(std::move(request));
  }

 private:
  bool fail_;
};

TEST_F(RemoteWriteExporterTest, TheSignerSeesTheFinalBody) {
  exporter(nullptr, std::make_unique<FakeSigner>(false));
  EXPECT_EQ(send(gauges(1)).status, core::SendResult::Status::kOk);
  ASSERT_EQ(received_.size(), 1u);
  EXPECT_EQ(net::find_header(received_[0].headers, "authorization"),
            "signed " + std::to_string(received_[0].compressed.size()));
}

TEST_F(RemoteWriteExporterTest, ASigningFailureIsRetryable) {
  exporter(nullptr, std::make_unique<FakeSigner>(true));
  const auto result = send(gauges(1));
  EXPECT_EQ(result.status, core::SendResult::Status::kRetryable);
  EXPECT_THAT(result.reason, HasSubstr("no credentials"));
  EXPECT_TRUE(received_.empty());
}

}  // namespace
}  // namespace vigil::exporters::prometheus
