// Remote write throughput (issue #6, acceptance 6): samples per second from OTLP metric batches
// through RemoteWriteExporter (translate, group, encode, snappy on the thread pool, HTTP POST
// over loopback) into a native receiver that reads every request and discards it. Baselines in
// the same run, over the very same WriteRequest bodies: snappy-compressing them alone (the
// floor any remote-write sender pays), and translate + encode without compression or network.
// Prints one figure per line (README.md beside this file).
//
//   remote_write_bench [BATCHES] [REPEAT]          defaults 400 and 5
//
// Workload per batch (one OTLP request, like an application's periodic export): one resource
// with service.name/instance and 4 more attributes (target_info), 800 gauge and counter series
// with 4 attributes each, 40 histograms of 9 bounds (12 samples each), target_info: 1,281 samples
// (97.7 bytes of OTLP protobuf per sample). Batches are 10 s apart in data time. Each repeat
// uses a fresh exporter and receiver; medians quoted.
// CPU: the process's (CLOCK_PROCESS_CPUTIME_ID) minus the receiver thread's
// (CLOCK_THREAD_CPUTIME_ID), so it is vigil's side: loop, thread pool and libcurl.

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <uv.h>

#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "agent/net/http_client.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "exporters/prometheus/remote_write_encoder.h"
#include "exporters/prometheus/remote_write_exporter.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace {

using namespace vigil;
using namespace std::chrono_literals;
namespace pb_collector = opentelemetry::proto::collector::metrics::v1;
namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;

constexpr int kNumberSeries = 800;
constexpr int kHistograms = 40;
constexpr std::uint64_t kT0 = 1'700'000'000'000'000'000ULL;

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void attribute(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out, const std::string& k,
               const std::string& v) {
  auto* kv = out->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

std::string make_batch(int index) {
  pb_collector::ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  auto* resource = rm->mutable_resource()->mutable_attributes();
  attribute(resource, "service.name", "checkout");
  attribute(resource, "service.instance.id", "pod-7f9c");
  attribute(resource, "host.name", "web-12");
  attribute(resource, "os.type", "linux");
  attribute(resource, "deployment.environment", "production");
  attribute(resource, "cloud.region", "eu-west-1");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("io.opentelemetry.runtime");
  sm->mutable_scope()->set_version("2.1.0");
  const std::uint64_t t = kT0 + static_cast<std::uint64_t>(index) * 10'000'000'000ULL;
  const std::uint64_t start = kT0 - 60'000'000'000ULL;
  for (int m = 0; m < 8; ++m) {
    auto* metric = sm->add_metrics();
    metric->set_name("app.metric." + std::to_string(m));
    metric->set_unit(m % 2 == 0 ? "By" : "{request}");
    pb_metrics::NumberDataPoint* point = nullptr;
    for (int s = 0; s < kNumberSeries / 8; ++s) {
      if (m % 2 == 0) {
        point = metric->mutable_gauge()->add_data_points();
      } else {
        auto* sum = metric->mutable_sum();
        sum->set_is_monotonic(true);
        sum->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        point = sum->add_data_points();
      }
      attribute(point->mutable_attributes(), "http.route", "/api/v1/items/" + std::to_string(s));
      attribute(point->mutable_attributes(), "http.method", s % 3 == 0 ? "POST" : "GET");
      attribute(point->mutable_attributes(), "http.status_code", s % 7 == 0 ? "500" : "200");
      attribute(point->mutable_attributes(), "net.peer.name", "backend-" + std::to_string(s % 5));
      point->set_start_time_unix_nano(start);
      point->set_time_unix_nano(t);
      point->set_as_double(1000.0 * index + s * 1.5 + m);
    }
  }
  auto* metric = sm->add_metrics();
  metric->set_name("http.server.duration");
  metric->set_unit("ms");
  auto* h = metric->mutable_histogram();
  h->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  for (int s = 0; s < kHistograms; ++s) {
    auto* p = h->add_data_points();
    attribute(p->mutable_attributes(), "http.route", "/api/v1/items/" + std::to_string(s));
    attribute(p->mutable_attributes(), "http.method", "GET");
    std::uint64_t count = 0;
    for (double b : {5, 10, 25, 50, 75, 100, 250, 500, 750}) p->add_explicit_bounds(b);
    for (int b = 0; b < 10; ++b) {
      const auto c = static_cast<std::uint64_t>(index * 10 + b + s);
      p->add_bucket_counts(c);
      count += c;
    }
    p->set_count(count);
    p->set_sum(static_cast<double>(count) * 42.5);
    p->set_start_time_unix_nano(start);
    p->set_time_unix_nano(t);
  }
  return request.SerializeAsString();
}

// A receiver on its own thread and loop: reads each request whole, answers 204, keeps nothing.
class DiscardingReceiver {
 public:
  DiscardingReceiver() : logger_(telemetry::Logger::Options{}, clock_) {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &stop_, [](uv_async_t* a) {
      auto* self = static_cast<DiscardingReceiver*>(a->data);
      self->server_->close();
      uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_), nullptr);
    });
    stop_.data = this;
    net::HttpServerOptions options;
    options.max_body_bytes = 64 << 20;
    server_ = std::make_unique<net::HttpServer>(
        &loop_, options,
        [this](net::HttpRequest&& request, net::HttpResponder responder) {
          bytes_ += request.body.size();
          ++requests_;
          responder.send(net::HttpResponse{204, {}, {}});
        },
        logger_);
    if (!server_->listen()) std::abort();
    thread_ = std::thread([this] {
      uv_run(&loop_, UV_RUN_DEFAULT);
      cpu_ = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    });
  }
  ~DiscardingReceiver() {
    if (!stopped_) stop_and_cpu();
    // The thread is gone: its loop is this thread's to finish closing.
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
  DiscardingReceiver(const DiscardingReceiver&) = delete;
  DiscardingReceiver& operator=(const DiscardingReceiver&) = delete;
  std::uint16_t port() const { return server_->port(); }
  // Stops the receiver; returns its thread's CPU seconds.
  double stop_and_cpu() {
    uv_async_send(&stop_);
    thread_.join();
    stopped_ = true;
    return cpu_;
  }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t requests() const { return requests_; }

 private:
  core::SystemClock clock_;
  telemetry::Logger logger_;
  uv_loop_t loop_{};
  uv_async_t stop_{};
  std::unique_ptr<net::HttpServer> server_;
  std::thread thread_;
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> requests_{0};
  double cpu_ = 0;
  bool stopped_ = false;
};

struct RunFigures {
  double seconds = 0;
  double cpu_seconds = 0;
  std::uint64_t samples = 0;
  std::uint64_t wire_bytes = 0;
  std::uint64_t requests = 0;
};

RunFigures run_exporter(const std::vector<std::string>& batches) {
  core::SystemClock clock;
  telemetry::Logger logger(telemetry::Logger::Options{}, clock);
  telemetry::MetricsRegistry metrics;
  uv_loop_t loop;
  uv_loop_init(&loop);
  RunFigures figures;
  {
    auto receiver = std::make_unique<DiscardingReceiver>();
    net::HttpClient client(&loop, logger);
    auto config = std::make_shared<exporters::prometheus::RemoteWriteConfig>();
    config->url = "http://127.0.0.1:" + std::to_string(receiver->port()) + "/api/v1/write";
    app::ComponentContext context;
    context.loop = &loop;
    context.metrics = &metrics;
    context.logger = &logger;
    context.clock = &clock;
    context.http_client = &client;
    exporters::prometheus::RemoteWriteExporter exporter("prometheus_remote_write/bench", config,
                                                        context);
    std::vector<core::Batch> prepared(batches.size());
    for (std::size_t i = 0; i < batches.size(); ++i) {
      prepared[i].signal = core::Signal::kMetrics;
      prepared[i].payload = batches[i];
      prepared[i].items = kNumberSeries + kHistograms;
    }
    std::size_t next = 0;
    bool failed = false;
    std::function<void()> send_next = [&] {
      if (next == prepared.size()) return;
      exporter.send(prepared[next], [&](core::SendResult r) {
        if (r.status != core::SendResult::Status::kOk) {
          std::fprintf(stderr, "send failed: %s\n", r.reason.c_str());
          failed = true;
          return;
        }
        ++next;
        send_next();
      });
    };
    const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    const auto t0 = std::chrono::steady_clock::now();
    send_next();
    while (next < prepared.size() && !failed) uv_run(&loop, UV_RUN_ONCE);
    figures.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double receiver_cpu = receiver->stop_and_cpu();
    figures.cpu_seconds = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0 - receiver_cpu;
    figures.wire_bytes = receiver->bytes();
    figures.requests = receiver->requests();
    for (const auto& s : metrics.collect()) {
      if (s.name == "vigil_prometheus_remote_write_samples_total") {
        figures.samples = static_cast<std::uint64_t>(s.value);
      }
    }
    if (failed) std::exit(1);
  }
  for (int i = 0; i < 100 && uv_loop_alive(&loop) != 0; ++i) uv_run(&loop, UV_RUN_NOWAIT);
  return figures;
}

// Translate + encode alone (what the exporter does on the pool, without snappy and network);
// the encoded bodies are kept for the snappy baseline.
RunFigures run_encode(const std::vector<std::string>& batches, std::vector<std::string>& bodies) {
  exporters::prometheus::Translator translator(exporters::prometheus::TranslationOptions{});
  exporters::prometheus::WriteRequestEncoder encoder(2000);
  RunFigures figures;
  bodies.clear();
  const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (const auto& batch : batches) {
    if (!translator.translate(batch, encoder)) std::exit(1);
    for (auto& r : encoder.finish()) {
      figures.samples += r.samples;
      figures.wire_bytes += r.body.size();
      bodies.push_back(std::move(r.body));
    }
  }
  figures.cpu_seconds = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  figures.seconds = figures.cpu_seconds;
  return figures;
}

RunFigures run_snappy(const std::vector<std::string>& bodies, std::uint64_t samples) {
  RunFigures figures;
  figures.samples = samples;
  const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (const auto& body : bodies) {
    auto compressed = net::compress(net::Codec::kSnappy, body);
    if (!compressed) std::exit(1);
    figures.wire_bytes += compressed->size();
  }
  figures.cpu_seconds = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  figures.seconds = figures.cpu_seconds;
  return figures;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string all(const std::vector<double>& v, const char* format) {
  std::string out;
  for (double x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, x);
    out += (out.empty() ? "" : " ") + std::string(buf);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const int batch_count = argc > 1 ? std::atoi(argv[1]) : 400;
  const int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<std::string> batches;
  std::uint64_t otlp_bytes = 0;
  for (int i = 0; i < batch_count; ++i) {
    batches.push_back(make_batch(i));
    otlp_bytes += batches.back().size();
  }

  std::vector<double> rate, cpu_us, wire, encode_us, snappy_us, snappy_wire;
  std::uint64_t samples = 0;
  std::uint64_t requests = 0;
  for (int r = 0; r < repeat; ++r) {
    const RunFigures e = run_exporter(batches);
    samples = e.samples;
    requests = e.requests;
    rate.push_back(static_cast<double>(e.samples) / e.seconds);
    cpu_us.push_back(e.cpu_seconds * 1e6 / static_cast<double>(e.samples));
    wire.push_back(static_cast<double>(e.wire_bytes) / static_cast<double>(e.samples));
    std::vector<std::string> bodies;
    const RunFigures enc = run_encode(batches, bodies);
    encode_us.push_back(enc.cpu_seconds * 1e6 / static_cast<double>(enc.samples));
    const RunFigures snap = run_snappy(bodies, enc.samples);
    snappy_us.push_back(snap.cpu_seconds * 1e6 / static_cast<double>(snap.samples));
    snappy_wire.push_back(static_cast<double>(snap.wire_bytes) / static_cast<double>(snap.samples));
  }
  const double samples_per_s = median(rate);
  std::printf("batches %d, samples %llu, requests %llu, otlp_bytes_per_sample %.1f, repeats %d\n",
              batch_count, static_cast<unsigned long long>(samples),
              static_cast<unsigned long long>(requests),
              static_cast<double>(otlp_bytes) / static_cast<double>(samples), repeat);
  std::printf("remote_write_samples_per_s %.0f (runs: %s)\n", samples_per_s,
              all(rate, "%.0f").c_str());
  std::printf("remote_write_cpu_us_per_sample %.3f (runs: %s)\n", median(cpu_us),
              all(cpu_us, "%.3f").c_str());
  std::printf("remote_write_wire_bytes_per_sample %.2f (snappy of the same bodies: %.2f)\n",
              median(wire), median(snappy_wire));
  std::printf("translate_encode_cpu_us_per_sample %.3f (runs: %s)\n", median(encode_us),
              all(encode_us, "%.3f").c_str());
  std::printf("baseline_snappy_only_cpu_us_per_sample %.3f (runs: %s)\n", median(snappy_us),
              all(snappy_us, "%.3f").c_str());
  std::printf("baseline_snappy_only_samples_per_s %.0f\n", 1e6 / median(snappy_us));
  std::printf("ratio_remote_write_cpu_to_snappy_only %.1f\n", median(cpu_us) / median(snappy_us));
  return 0;
}
