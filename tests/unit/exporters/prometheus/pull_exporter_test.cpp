#include "exporters/prometheus/pull_exporter.h"

#include <csignal>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <uv.h>

#include "agent/net/compression.h"
#include "agent/net/http_client.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::prometheus {
namespace {

using namespace std::chrono_literals;
using testing::kSecond;
using testing::kT0;
using testing::RequestBuilder;

// Prometheus 2.42's scrape headers, verbatim.
constexpr std::string_view kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

// A PullExporter on a real loop and port, scraped with the agent's own HTTP client. Time for
// staleness comes from a fake clock.
class PullExporterTest : public ::testing::Test {
 protected:
  PullExporterTest() {
    std::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(uv_loop_init(&loop_), 0);
  }
  ~PullExporterTest() override {
    client_.reset();
    if (exporter_) exporter_->stop();
    exporter_.reset();
    for (int i = 0; i < 200 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open on the loop";
  }

  void start(PullExporterOptions options = {}) {
    options.listen = "127.0.0.1:0";
    exporter_ =
        std::make_unique<PullExporter>(std::move(options), &loop_, clock_, metrics_, logger_);
    auto started = exporter_->start();
    ASSERT_TRUE(started.has_value()) << started.error().message;
  }

  core::SendResult send(std::string payload, core::Signal signal = core::Signal::kMetrics) {
    core::Batch batch;
    batch.signal = signal;
    batch.payload = std::move(payload);
    batch.items = 1;
    std::optional<core::SendResult> result;
    exporter_->send(batch, [&](core::SendResult r) { result = std::move(r); });
    EXPECT_TRUE(result.has_value()) << "send must answer before returning";
    return result.value_or(core::SendResult::permanent("no answer"));
  }

  net::HttpClientResponse get(std::string path, net::HttpHeaders headers = {},
                              std::string method = "GET") {
    if (!client_) client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
    net::HttpClientRequest request;
    request.method = std::move(method);
    request.url = "http://127.0.0.1:" + std::to_string(exporter_->port()) + path;
    request.headers = std::move(headers);
    std::optional<net::HttpClientResponse> response;
    client_->send(std::move(request), [&](net::HttpClientResponse r) { response = std::move(r); });
    net::UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!response && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_TRUE(response.has_value()) << "no response in time";
    return response.value_or(net::HttpClientResponse{});
  }

  double self_metric(std::string_view name, std::string_view format = "") {
    for (const auto& s : metrics_.collect()) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : s.labels) {
        if (k == "component" && v != "prometheus") match = false;
        if (k == "format" && v != format) match = false;
      }
      if (match) return s.value;
    }
    return -1;
  }

  // Host metrics the way the host collector sends them, at time `t`.
  static std::string host_batch(double user_seconds, double load, std::uint64_t t = kT0) {
    RequestBuilder b({{"host.name", "web-1"}, {"os.type", "linux"}}, "vigil/host");
    b.sum("system.cpu.time", "s", {{"cpu", "0"}, {"state", "user"}}, user_seconds, true, false,
          kT0 - 100 * kSecond, t);
    b.sum("system.cpu.time", "s", {{"cpu", "0"}, {"state", "interrupt"}}, 1.5, true, false,
          kT0 - 100 * kSecond, t);
    b.gauge("system.cpu.load_average.1m", "1", {}, load, t);
    return b.bytes();
  }

  uv_loop_t loop_{};
  vigil::testing::FakeClock clock_;
  telemetry::MetricsRegistry metrics_;
  telemetry::Logger logger_{telemetry::Logger::Options{}, clock_, [](std::string_view) {}};
  std::unique_ptr<PullExporter> exporter_;
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(PullExporterTest, ServesHostMetricsWithNodeExporterNamesAsText) {
  start();
  EXPECT_EQ(send(host_batch(12.5, 0.75)).status, core::SendResult::Status::kOk);
  const auto r = get("/metrics");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(net::find_header(r.headers, "content-type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(net::find_header(r.headers, "content-encoding"), "");
  EXPECT_NE(r.body.find("# TYPE node_cpu_seconds_total counter\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("node_cpu_seconds_total{cpu=\"0\",mode=\"irq\"} 1.5\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 12.5\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("# TYPE node_load1 gauge\nnode_load1 0.75\n"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("# EOF"), std::string::npos);
  EXPECT_EQ(self_metric("vigil_prometheus_scrapes_total", "text"), 1);
  EXPECT_EQ(self_metric("vigil_prometheus_series"), 3 + 1) << "three series and target_info";

  // The next batch replaces the values: latest point per series.
  EXPECT_EQ(send(host_batch(13, 0.5, kT0 + 10 * kSecond)).status, core::SendResult::Status::kOk);
  const auto again = get("/metrics");
  EXPECT_NE(again.body.find("node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 13\n"),
            std::string::npos)
      << again.body;
  EXPECT_NE(again.body.find("node_load1 0.5\n"), std::string::npos) << again.body;
}

TEST_F(PullExporterTest, OpenMetricsWhenTheScraperPrefersIt) {
  start();
  send(host_batch(12.5, 0.75));
  const auto r = get("/metrics", {{"Accept", std::string(kPrometheusAccept)}});
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(net::find_header(r.headers, "content-type"),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(r.body.ends_with("\n# EOF\n")) << r.body;
  EXPECT_NE(r.body.find("# TYPE node_cpu_seconds counter\n# UNIT node_cpu_seconds seconds\n"),
            std::string::npos)
      << r.body;
  // The counter's start time (kT0 - 100 s) as _created, in seconds.
  EXPECT_NE(r.body.find("node_cpu_seconds_created{cpu=\"0\",mode=\"user\"} 1699999900.000\n"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(self_metric("vigil_prometheus_scrapes_total", "openmetrics"), 1);
  EXPECT_EQ(self_metric("vigil_prometheus_scrapes_total", "text"), 0);
}

TEST_F(PullExporterTest, GzipWhenAccepted) {
  start();
  send(host_batch(12.5, 0.75));
  const auto plain = get("/metrics");
  const auto zipped = get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(zipped.status, 200) << zipped.error;
  EXPECT_EQ(net::find_header(zipped.headers, "content-encoding"), "gzip");
  EXPECT_NE(zipped.body, plain.body);
  auto unzipped = net::decompress(net::Codec::kGzip, zipped.body, 1 << 20);
  ASSERT_TRUE(unzipped.has_value()) << unzipped.error().message;
  EXPECT_EQ(*unzipped, plain.body);
  const auto refused = get("/metrics", {{"Accept-Encoding", "gzip;q=0, identity"}});
  EXPECT_EQ(net::find_header(refused.headers, "content-encoding"), "");
  EXPECT_EQ(refused.body, plain.body);
}

TEST_F(PullExporterTest, SendTimestamps) {
  PullExporterOptions options;
  options.send_timestamps = true;
  start(std::move(options));
  send(host_batch(12.5, 0.75));
  EXPECT_NE(get("/metrics").body.find("node_load1 0.75 1700000000000\n"), std::string::npos);
  const auto om = get("/metrics", {{"Accept", "application/openmetrics-text"}});
  EXPECT_NE(om.body.find("node_load1 0.75 1700000000.000\n"), std::string::npos) << om.body;
}

TEST_F(PullExporterTest, OtherPathsAndMethods) {
  start();
  send(host_batch(1, 1));
  EXPECT_EQ(get("/").status, 404);
  EXPECT_EQ(get("/metrics/x").status, 404);
  const auto post = get("/metrics", {}, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(net::find_header(post.headers, "allow"), "GET, HEAD");
  const auto head = get("/metrics", {}, "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  // Query strings are ignored, as Prometheus' params would be.
  EXPECT_EQ(get("/metrics?collect[]=cpu").status, 200);
}

TEST_F(PullExporterTest, SeriesThatStopArrivingExpire) {
  PullExporterOptions options;
  options.store.staleness = 60s;
  start(std::move(options));
  send(host_batch(1, 1));
  clock_.advance(30s);
  {
    RequestBuilder b({{"host.name", "web-1"}}, "vigil/host");
    b.gauge("system.cpu.load_average.1m", "1", {}, 2, kT0 + 30 * kSecond);
    send(b.bytes());  // only the load keeps coming
  }
  clock_.advance(30s + 1ms);
  const auto r = get("/metrics");
  EXPECT_EQ(r.body.find("node_cpu_seconds_total"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("node_load1 2\n"), std::string::npos) << r.body;
  // The scrape swept the expired series out of memory too.
  EXPECT_EQ(self_metric("vigil_prometheus_expired_series_total"), 2 + 1)
      << "two cpu series and the first target_info";
  EXPECT_EQ(self_metric("vigil_prometheus_series"), 2);
}

TEST_F(PullExporterTest, RefusesWhatItCannotStore) {
  start();
  EXPECT_EQ(send("not a protobuf request \xff\xff\xff").status,
            core::SendResult::Status::kPermanent);
  EXPECT_EQ(send(host_batch(1, 1), core::Signal::kLogs).status,
            core::SendResult::Status::kPermanent);

  // A family served as a gauge, then sent as a histogram by another source: the histogram's
  // point is rejected (the pump counts it as dropped) and the batch is otherwise delivered.
  RequestBuilder gauge({}, "app");
  gauge.gauge("jobs.active", "", {{"queue", "a"}}, 3);
  EXPECT_EQ(send(gauge.bytes()).rejected_items, 0u);
  RequestBuilder histogram({}, "app");
  histogram.histogram("jobs.active", "", {{"queue", "d"}}, {1, 2}, {1, 1, 1}, 3);
  histogram.gauge("jobs.waiting", "", {}, 1);
  const auto result = send(histogram.bytes());
  EXPECT_EQ(result.status, core::SendResult::Status::kOk);
  EXPECT_EQ(result.rejected_items, 1u);
  EXPECT_NE(result.reason.find("jobs_active"), std::string::npos) << result.reason;
  EXPECT_NE(result.reason.find("another type"), std::string::npos) << result.reason;

  // Points the translation drops are rejected items too.
  RequestBuilder untimed({}, "app");
  untimed.gauge("x", "", {}, 1, 0);
  const auto dropped = send(untimed.bytes());
  EXPECT_EQ(dropped.rejected_items, 1u);
  EXPECT_NE(dropped.reason.find("without a timestamp"), std::string::npos) << dropped.reason;
}

TEST_F(PullExporterTest, MaxSeries) {
  PullExporterOptions options;
  options.store.max_series = 2;
  options.translation.target_info = false;
  start(std::move(options));
  const auto result = send(host_batch(1, 1));
  EXPECT_EQ(result.rejected_items, 1u);
  EXPECT_NE(result.reason.find("max_series"), std::string::npos) << result.reason;
}

}  // namespace
}  // namespace vigil::exporters::prometheus
