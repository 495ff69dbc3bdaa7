// OTLP export of log batches (issue #6, acceptance 6): log records per second and bytes on the
// wire per record through OtlpExporter (encode, compress on the thread pool, HTTP POST over
// loopback), for each compression, into a real OTLP receiver that discards: a vigil child
// process with [collectors.otlp] and [exporters.null]. The floor, in the same run and over the
// very same payloads: zlib and libzstd at level 1 (what `gzip -1` and `zstd -1` do), compressing
// alone. Prints one figure per line (README.md beside this file).
//
//   otlp_export_bench VIGIL_BINARY [BATCHES] [REPEAT] [PROTOCOLS]
//       defaults 200, 5, "http/protobuf"; PROTOCOLS e.g. "http/protobuf,grpc,http/json"
//
// Workload: batches of 1,000 log records as the log tail makes them (one resource with
// host.name, os.type and service.name; scope "tail"; per record a time, an observed time,
// severity INFO, an nginx access-log line of 130-190 bytes from a seeded generator, and the
// attributes log.file.path and log.file.name). Each repeat uses a fresh exporter; medians quoted.
// CPU: this process's (CLOCK_PROCESS_CPUTIME_ID: loop, thread pool, libcurl), the receiver runs
// in its own process. Up to 4 batches are in flight, as with `concurrency = 4`.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <uv.h>

#include "agent/config/config_reader.h"
#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "agent/net/http_client.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "exporters/otlp/otlp_exporter.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

extern char** environ;

namespace {

using namespace vigil;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

constexpr int kRecordsPerBatch = 1000;
constexpr std::size_t kInFlight = 4;
constexpr std::uint64_t kT0 = 1'700'000'000'000'000'000ULL;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void attribute(google::protobuf::RepeatedPtrField<pb_common::KeyValue>* out, const char* key,
               const std::string& value) {
  auto* kv = out->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

std::string make_batch(int index, std::mt19937& random) {
  static const char* kMethods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
  static const char* kPaths[] = {"/api/v1/items",  "/api/v1/items/",  "/api/v1/cart", "/healthz",
                                 "/static/app.js", "/api/v1/orders/", "/login",       "/search?q="};
  static const char* kAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", "curl/7.88.1",
                                  "kube-probe/1.28",
                                  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)"};
  static const int kStatuses[] = {200, 200, 200, 200, 201, 204, 301, 404, 500};
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  attribute(rl->mutable_resource()->mutable_attributes(), "host.name", "web-12");
  attribute(rl->mutable_resource()->mutable_attributes(), "os.type", "linux");
  attribute(rl->mutable_resource()->mutable_attributes(), "service.name", "nginx");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("tail");
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    auto pick = [&](auto& table) { return table[random() % std::size(table)]; };
    const std::uint64_t t =
        kT0 + (static_cast<std::uint64_t>(index) * kRecordsPerBatch + i) * 3'000'000ULL;
    auto* record = sl->add_log_records();
    record->set_time_unix_nano(t);
    record->set_observed_time_unix_nano(t + 1'500'000ULL + random() % 1'000'000);
    record->set_severity_number(pb_logs::SEVERITY_NUMBER_INFO);
    record->set_severity_text("INFO");
    const std::string path = pick(kPaths);
    record->mutable_body()->set_string_value(fmt::format(
        "10.{}.{}.{} - - [14/Nov/2023:22:13:{:02d} +0000] \"{} {}{} HTTP/1.1\" {} {} \"-\" "
        "\"{}\" {:.3f}",
        random() % 256, random() % 256, random() % 256, (i / 50) % 60, pick(kMethods), path,
        path.back() == '/' || path.back() == '=' ? std::to_string(random() % 100000) : "",
        pick(kStatuses), random() % 50000, pick(kAgents), (random() % 2000) / 1000.0));
    attribute(record->mutable_attributes(), "log.file.path", "/var/log/nginx/access.log");
    attribute(record->mutable_attributes(), "log.file.name", "access.log");
  }
  return request.SerializeAsString();
}

std::uint16_t free_port() {
  // The kernel's choice for port 0, read back: bind, read, close.
  uv_loop_t loop;
  uv_loop_init(&loop);
  uv_tcp_t tcp;
  uv_tcp_init(&loop, &tcp);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  if (uv_tcp_bind(&tcp, reinterpret_cast<const sockaddr*>(&addr), 0) != 0) std::abort();
  sockaddr_storage bound{};
  int length = sizeof bound;
  uv_tcp_getsockname(&tcp, reinterpret_cast<sockaddr*>(&bound), &length);
  const auto port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return port;
}

// A vigil that receives OTLP and discards it (acknowledging once the null exporter took it).
class Receiver {
 public:
  explicit Receiver(const std::string& binary)
      : dir_(std::filesystem::temp_directory_path() /
             fmt::format("vigil-otlp-export-bench-{}", getpid())) {
    std::filesystem::create_directories(dir_);
    http_port_ = free_port();
    grpc_port_ = free_port();
    api_port_ = free_port();
    const std::string config = (dir_ / "receiver.toml").string();
    std::ofstream(config) << fmt::format(
        "[agent]\ndata_dir = \"{}\"\nlog_level = \"warn\"\n[agent.api]\nlisten = "
        "\"127.0.0.1:{}\"\n[collectors.otlp]\nhttp_listen = \"127.0.0.1:{}\"\n"
        "grpc_listen = \"127.0.0.1:{}\"\nmax_request_size = \"64MiB\"\n[exporters.null]\n",
        dir_.string(), api_port_, http_port_, grpc_port_);
    std::vector<std::string> args = {binary, "run", "-c", config};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
      std::fprintf(stderr, "cannot start %s\n", binary.c_str());
      std::exit(2);
    }
  }
  ~Receiver() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    std::filesystem::remove_all(dir_);
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string http_base() const { return fmt::format("http://127.0.0.1:{}", http_port_); }
  std::string grpc_base() const { return fmt::format("http://127.0.0.1:{}", grpc_port_); }
  std::string readyz() const { return fmt::format("http://127.0.0.1:{}/readyz", api_port_); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = 0;
  std::uint16_t http_port_ = 0;
  std::uint16_t grpc_port_ = 0;
  std::uint16_t api_port_ = 0;
};

struct RunFigures {
  double seconds = 0;
  double cpu_seconds = 0;
  std::uint64_t items = 0;
  std::uint64_t wire_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
};

std::shared_ptr<const exporters::otlp_exporter::OtlpExporterConfig> exporter_config(
    const std::string& text) {
  auto table = toml::parse(text);
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "bench";
  context->diagnostics = &diagnostics;
  config::ConfigReader reader(context, &table, "exporters.otlp");
  auto config = exporters::otlp_exporter::parse_otlp_exporter_config(reader);
  reader.finish();
  if (!diagnostics.ok()) {
    std::fprintf(stderr, "%s\n", diagnostics.joined().c_str());
    std::exit(2);
  }
  return config;
}

class Bench {
 public:
  Bench() : logger_(telemetry::Logger::Options{}, clock_) { uv_loop_init(&loop_); }
  ~Bench() {
    client_.reset();
    for (int i = 0; i < 100 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    uv_loop_close(&loop_);
  }

  void wait_ready(const std::string& url) {
    for (int i = 0; i < 200; ++i) {
      std::optional<int> status;
      net::HttpClientRequest request;
      request.method = "GET";
      request.url = url;
      client().send(std::move(request), [&](net::HttpClientResponse r) { status = r.status; });
      while (!status) uv_run(&loop_, UV_RUN_ONCE);
      if (*status == 200) return;
      usleep(50'000);
    }
    std::fprintf(stderr, "the receiver did not become ready\n");
    std::exit(2);
  }

  RunFigures run(const std::string& config_text, const std::vector<core::Batch>& batches) {
    telemetry::MetricsRegistry metrics;
    app::ComponentContext context;
    context.loop = &loop_;
    context.metrics = &metrics;
    context.logger = &logger_;
    context.clock = &clock_;
    context.http_client = &client();
    exporters::otlp_exporter::OtlpExporter exporter("otlp/bench", exporter_config(config_text),
                                                    context, nullptr);
    RunFigures figures;
    std::size_t next = 0;
    std::size_t done = 0;
    std::function<void()> fill = [&] {
      while (next < batches.size() && next - done < kInFlight) {
        const core::Batch& batch = batches[next++];
        exporter.send(batch, [&](core::SendResult r) {
          if (r.status != core::SendResult::Status::kOk) {
            std::fprintf(stderr, "send failed: %s\n", r.reason.c_str());
            std::exit(1);
          }
          figures.items += batch.items;
          ++done;
          fill();
        });
      }
    };
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    fill();
    while (done < batches.size()) uv_run(&loop_, UV_RUN_ONCE);
    figures.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    figures.cpu_seconds = cpu_seconds() - cpu0;
    for (const auto& sample : metrics.collect()) {
      if (sample.name == "vigil_otlp_export_sent_bytes_total") {
        figures.wire_bytes = static_cast<std::uint64_t>(sample.value);
      } else if (sample.name == "vigil_otlp_export_uncompressed_bytes_total") {
        figures.uncompressed_bytes = static_cast<std::uint64_t>(sample.value);
      }
    }
    return figures;
  }

 private:
  net::HttpClient& client() {
    if (!client_) client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
    return *client_;
  }

  core::SystemClock clock_;
  telemetry::Logger logger_;
  uv_loop_t loop_{};
  std::unique_ptr<net::HttpClient> client_;
};

// zlib or libzstd at level 1 over the same payloads, nothing else.
RunFigures run_floor(net::Codec codec, const std::vector<core::Batch>& batches) {
  RunFigures figures;
  const double cpu0 = cpu_seconds();
  for (const core::Batch& batch : batches) {
    auto compressed = net::compress(codec, batch.payload, 1);
    if (!compressed) std::exit(1);
    figures.wire_bytes += compressed->size();
    figures.uncompressed_bytes += batch.payload.size();
    figures.items += batch.items;
  }
  figures.cpu_seconds = cpu_seconds() - cpu0;
  figures.seconds = figures.cpu_seconds;
  return figures;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string runs(const std::vector<double>& v, const char* format) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : " ") + fmt::format(fmt::runtime(format), x);
  return out;
}

struct Series {
  std::vector<double> items_per_s, cpu_us_per_item, wire_bytes_per_item;
  void add(const RunFigures& f) {
    const auto items = static_cast<double>(f.items);
    items_per_s.push_back(items / f.seconds);
    cpu_us_per_item.push_back(f.cpu_seconds * 1e6 / items);
    wire_bytes_per_item.push_back(static_cast<double>(f.wire_bytes) / items);
  }
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: otlp_export_bench VIGIL_BINARY [BATCHES] [REPEAT] [PROTOCOLS]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const int batch_count = argc > 2 ? std::atoi(argv[2]) : 200;
  const int repeat = argc > 3 ? std::atoi(argv[3]) : 5;
  const std::vector<std::string> protocols = split(argc > 4 ? argv[4] : "http/protobuf");

  std::mt19937 random(42);
  std::vector<core::Batch> batches(static_cast<std::size_t>(batch_count));
  std::uint64_t payload_bytes = 0;
  for (int i = 0; i < batch_count; ++i) {
    batches[i].signal = core::Signal::kLogs;
    batches[i].payload = make_batch(i, random);
    batches[i].items = kRecordsPerBatch;
    payload_bytes += batches[i].payload.size();
  }
  const double items = static_cast<double>(batch_count) * kRecordsPerBatch;
  std::printf("batches %d x %d log records, %.1f bytes of OTLP protobuf per record, repeats %d\n",
              batch_count, kRecordsPerBatch, static_cast<double>(payload_bytes) / items, repeat);

  Receiver receiver(argv[1]);
  Bench bench;
  bench.wait_ready(receiver.readyz());

  const std::pair<const char*, net::Codec> floors[] = {{"gzip", net::Codec::kGzip},
                                                       {"zstd", net::Codec::kZstd}};
  std::map<std::string, Series> floor_series;
  for (const std::string& protocol : protocols) {
    // Each codec at its default level, then at level 1 (the floor's level).
    for (const auto& [compression, level] : std::vector<std::pair<std::string, int>>{
             {"none", 0}, {"gzip", 0}, {"zstd", 0}, {"gzip", 1}, {"zstd", 1}}) {
      Series series;
      for (int r = 0; r < repeat; ++r) {
        const std::string base = protocol == "grpc" ? receiver.grpc_base() : receiver.http_base();
        series.add(bench.run(fmt::format("endpoint = \"{}\"\nprotocol = \"{}\"\n"
                                         "compression = \"{}\"\ncompression_level = {}\n"
                                         "max_request_size = \"16MiB\"\n",
                                         base, protocol, compression, level),
                             batches));
        for (const auto& [name, codec] : floors) floor_series[name].add(run_floor(codec, batches));
      }
      const std::string label = fmt::format("{} {}{}", protocol, compression,
                                            level == 0 ? "" : fmt::format(" level {}", level));
      std::printf("otlp_export[%s] items_per_s %.0f (runs: %s)\n", label.c_str(),
                  median(series.items_per_s), runs(series.items_per_s, "{:.0f}").c_str());
      std::printf("otlp_export[%s] cpu_us_per_item %.3f (runs: %s)\n", label.c_str(),
                  median(series.cpu_us_per_item), runs(series.cpu_us_per_item, "{:.3f}").c_str());
      std::printf("otlp_export[%s] wire_bytes_per_item %.2f\n", label.c_str(),
                  median(series.wire_bytes_per_item));
      if (compression != "none") {
        const Series& floor = floor_series[compression];
        std::printf(
            "floor[%s -1] items_per_s %.0f cpu_us_per_item %.3f wire_bytes_per_item "
            "%.2f\n",
            compression.c_str(), median(floor.items_per_s), median(floor.cpu_us_per_item),
            median(floor.wire_bytes_per_item));
        std::printf("ratio[%s vs %s -1] cpu %.2f wire_bytes %.3f\n", label.c_str(),
                    compression.c_str(),
                    median(series.cpu_us_per_item) / median(floor.cpu_us_per_item),
                    median(series.wire_bytes_per_item) / median(floor.wire_bytes_per_item));
      }
    }
  }
  return 0;
}
