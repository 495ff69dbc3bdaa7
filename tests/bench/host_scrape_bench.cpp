// Host metrics scrape + Prometheus render, in process, against node_exporter measured in the
// same run (issue #3, acceptance 6). Prints one figure per line (README.md beside this file).
//
//   host_scrape_bench [SCRAPES] [NODE_EXPORTER_SCRAPES]     defaults 1000 and 500
//
// vigil: the real /proc and /sys, HostScraper (collectors/host) -> Translator -> SeriesStore ->
// render_exposition (text 0.0.4), exactly the pull endpoint's path minus the socket. CPU time of
// each iteration from CLOCK_PROCESS_CPUTIME_ID; the median is quoted. Allocations are counted by
// replacing operator new for this executable, per phase, on steady-state iterations.
// node_exporter: /usr/bin/prometheus-node-exporter on a free loopback port, scraped over HTTP
// N times; its CPU is utime + stime from /proc/PID/stat before and after (USER_HZ ticks), so it
// includes its HTTP serving and Go runtime work (GC), as a Prometheus scrape costs it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "collectors/host/host_config.h"
#include "collectors/host/host_scraper.h"
#include "exporters/prometheus/exposition_renderer.h"
#include "exporters/prometheus/pull_exporter.h"
#include "tests/unit/support/counting_operator_new.h"

namespace {

using vigil::exporters::prometheus::ExpositionFormat;
using vigil::exporters::prometheus::RenderOptions;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void figure(const char* name, double value, const char* unit, const std::string& note = "") {
  std::printf("%-44s %12.4f %-10s %s\n", name, value, unit, note.c_str());
}

// ---- node_exporter ------------------------------------------------------------------------

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// GET http://127.0.0.1:PORT/metrics with Connection: close; the body's size, nullopt on error.
std::optional<std::size_t> http_get_metrics(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return std::nullopt;
  }
  const std::string request =
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain;version=0.0.4\r\n"
      "Connection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  if (!response.starts_with("HTTP/1.1 200")) return std::nullopt;
  const auto body = response.find("\r\n\r\n");
  return body == std::string::npos ? 0 : response.size() - body - 4;
}

// utime + stime of a process, in seconds.
double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Forwards to the store and counts the allocations made inside the store's sample(), to tell
// the store's share of the translate+store phase from the translation's.
class CountingSink final : public vigil::exporters::prometheus::SampleSink {
 public:
  explicit CountingSink(vigil::exporters::prometheus::SeriesStore& store) : store_(store) {}
  void sample(const vigil::exporters::prometheus::FamilyView& family, std::string_view sample_name,
              std::span<const vigil::exporters::prometheus::LabelView> labels, double value,
              std::int64_t timestamp_ms, std::int64_t start_timestamp_ms) override {
    const std::uint64_t before = vigil::testing::allocation_count();
    store_.sample(family, sample_name, labels, value, timestamp_ms, start_timestamp_ms);
    allocations += vigil::testing::allocation_count() - before;
  }
  std::uint64_t allocations = 0;

 private:
  vigil::exporters::prometheus::SeriesStore& store_;
};

// Receives samples and keeps nothing: the translation's own cost, without the store.
class NullSink final : public vigil::exporters::prometheus::SampleSink {
 public:
  void sample(const vigil::exporters::prometheus::FamilyView&, std::string_view,
              std::span<const vigil::exporters::prometheus::LabelView>, double, std::int64_t,
              std::int64_t) override {}
};

struct NodeExporterRun {
  double cpu_ms_per_scrape = 0;
  std::size_t body_bytes = 0;
  bool ok = false;
};

// Starts node_exporter with `extra` flags, scrapes it `scrapes` times after a warm-up, stops it.
NodeExporterRun measure_node_exporter(const std::vector<std::string>& extra, int scrapes) {
  NodeExporterRun run;
  const char* binary = "/usr/bin/prometheus-node-exporter";
  if (access(binary, X_OK) != 0) return run;
  const std::uint16_t port = free_port();
  std::vector<std::string> args = {binary, "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                   "--log.level=error"};
  args.insert(args.end(), extra.begin(), extra.end());
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its per-scrape error lines (no systemd, no udev here) would drown the figures.
    if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDERR_FILENO);
    execv(binary, argv.data());
    _exit(127);
  }
  // Wait until it answers (up to 20 s), then warm up (first scrapes initialise collectors).
  std::optional<std::size_t> body;
  for (int i = 0; i < 400 && !body; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    body = http_get_metrics(port);
  }
  if (body) {
    for (int i = 0; i < 5; ++i) http_get_metrics(port);
    const double before = process_cpu_seconds(pid);
    int done = 0;
    for (int i = 0; i < scrapes; ++i) {
      if (auto b = http_get_metrics(port)) {
        run.body_bytes = *b;
        ++done;
      }
    }
    const double after = process_cpu_seconds(pid);
    run.ok = done == scrapes;
    run.cpu_ms_per_scrape = (after - before) * 1000 / std::max(done, 1);
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const int scrapes = argc > 1 ? std::atoi(argv[1]) : 1000;
  // 500 scrapes of >= 1.5 ms: >= 75 clock ticks (10 ms each), so the tick rounding stays ~1%.
  const int ne_scrapes = argc > 2 ? std::atoi(argv[2]) : 500;
  constexpr int kWarmup = 20;

  vigil::collectors::host::HostConfig config;  // every scraper, root "/", node_exporter defaults
  vigil::otlp::ResourceInfo resource;
  resource.attributes = {{"host.name", "bench"}, {"os.type", "linux"}};
  vigil::collectors::host::HostScraper scraper(config, resource);
  vigil::core::SystemClock clock;
  vigil::exporters::prometheus::Translator translator({});
  vigil::exporters::prometheus::SeriesStore store({}, clock);
  std::string request;
  std::string text;
  const RenderOptions render_text{ExpositionFormat::kText, false};

  std::vector<double> total_ms, scrape_ms, store_ms, render_ms;
  std::uint64_t max_scrape_allocs = 0, max_store_allocs = 0, max_render_allocs = 0;
  std::uint64_t points = 0;
  std::size_t samples = 0;
  for (int i = 0; i < kWarmup + scrapes; ++i) {
    const std::int64_t now = clock.unix_nanos();
    const std::uint64_t a0 = vigil::testing::allocation_count();
    const double t0 = cpu_seconds();
    points = scraper.scrape(now, request);
    const double t1 = cpu_seconds();
    const std::uint64_t a1 = vigil::testing::allocation_count();
    auto stored =
        vigil::exporters::prometheus::store_batch(request, translator, store, clock.monotonic());
    const double t2 = cpu_seconds();
    const std::uint64_t a2 = vigil::testing::allocation_count();
    samples = vigil::exporters::prometheus::render_exposition(store, clock.monotonic(), render_text,
                                                              text);
    const double t3 = cpu_seconds();
    const std::uint64_t a3 = vigil::testing::allocation_count();
    if (!stored || stored->rejected_points() > 0) {
      std::fprintf(stderr, "store failed: %s\n",
                   stored ? stored->reason().c_str() : stored.error().message.c_str());
      return 1;
    }
    if (i < kWarmup) continue;
    scrape_ms.push_back((t1 - t0) * 1000);
    store_ms.push_back((t2 - t1) * 1000);
    render_ms.push_back((t3 - t2) * 1000);
    total_ms.push_back((t3 - t0) * 1000);
    max_scrape_allocs = std::max(max_scrape_allocs, a1 - a0);
    max_store_allocs = std::max(max_store_allocs, a2 - a1);
    max_render_allocs = std::max(max_render_allocs, a3 - a2);
  }

  // The store's own share of the translate+store allocations.
  std::uint64_t max_sink_allocs = 0;
  for (int i = 0; i < 100; ++i) {
    scraper.scrape(clock.unix_nanos(), request);
    CountingSink sink(store);
    store.begin_batch();
    (void)translator.translate(request, sink);
    store.finish_batch();
    max_sink_allocs = std::max(max_sink_allocs, sink.allocations);
  }

  // The translation alone (into a sink that keeps nothing), to tell its share from the store's.
  std::vector<double> translate_ms;
  vigil::exporters::prometheus::Translator bare_translator({});
  for (int i = 0; i < 200; ++i) {
    scraper.scrape(clock.unix_nanos(), request);
    NullSink sink;
    const double t0 = cpu_seconds();
    (void)bare_translator.translate(request, sink);
    translate_ms.push_back((cpu_seconds() - t0) * 1000);
  }

  // Extra figures for the other ways a scrape is served.
  std::vector<double> om_ms, gzip_ms;
  std::string om;
  std::size_t gzip_bytes = 0;
  for (int i = 0; i < 100; ++i) {
    const double t0 = cpu_seconds();
    vigil::exporters::prometheus::render_exposition(
        store, clock.monotonic(), RenderOptions{ExpositionFormat::kOpenMetrics1, false}, om);
    const double t1 = cpu_seconds();
    auto zipped = vigil::net::compress(vigil::net::Codec::kGzip, text, 1);
    const double t2 = cpu_seconds();
    gzip_bytes = zipped ? zipped->size() : 0;
    om_ms.push_back((t1 - t0) * 1000);
    gzip_ms.push_back((t2 - t1) * 1000);
  }

  const double vigil_ms = median(total_ms);
  std::printf("# vigil: %d in-process scrapes of the real /proc (after %d warm-up), medians\n",
              scrapes, kWarmup);
  figure("host_points_per_scrape", static_cast<double>(points), "points");
  figure("exposition_samples", static_cast<double>(samples), "samples");
  figure("exposition_text_bytes", static_cast<double>(text.size()), "bytes");
  figure("vigil_cpu_ms_per_scrape_and_render", vigil_ms, "ms", "target <= 0.3");
  figure("vigil_cpu_ms_host_scrape", median(scrape_ms), "ms");
  figure("vigil_cpu_ms_translate_and_store", median(store_ms), "ms");
  figure("vigil_cpu_ms_translate_only", median(translate_ms), "ms",
         "(into a sink that keeps nothing; 200 scrapes)");
  figure("vigil_cpu_ms_render_text", median(render_ms), "ms");
  figure("vigil_cpu_ms_render_openmetrics", median(om_ms), "ms", "(not in the total)");
  figure("vigil_cpu_ms_gzip_level1", median(gzip_ms), "ms",
         "(not in the total; " + std::to_string(gzip_bytes) + " bytes)");
  figure("allocations_per_host_scrape", static_cast<double>(max_scrape_allocs), "allocs",
         "max over steady-state scrapes; target 0");
  figure("allocations_per_translate_and_store", static_cast<double>(max_store_allocs), "allocs",
         "max over steady-state scrapes");
  figure("allocations_per_store_of_those", static_cast<double>(max_sink_allocs), "allocs",
         "inside SeriesStore::sample, max over 100 scrapes");
  figure("allocations_per_render", static_cast<double>(max_render_allocs), "allocs",
         "max over steady-state scrapes");

  std::printf("# node_exporter 1.5: %d HTTP scrapes of /metrics, CPU from /proc/PID/stat\n",
              ne_scrapes);
  const NodeExporterRun defaults = measure_node_exporter({}, ne_scrapes);
  // The same sources vigil reads (its default scrapers minus cgroup, which node_exporter lacks).
  const NodeExporterRun same = measure_node_exporter(
      {"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
       "--collector.diskstats", "--collector.filesystem", "--collector.netdev",
       "--collector.loadavg", "--collector.stat", "--collector.pressure", "--collector.filefd"},
      ne_scrapes);
  if (!defaults.ok || !same.ok) {
    std::printf("node_exporter could not be measured (is prometheus-node-exporter installed?)\n");
    return 2;
  }
  figure("node_exporter_cpu_ms_per_scrape_same_sources", same.cpu_ms_per_scrape, "ms",
         std::to_string(same.body_bytes) + " bytes");
  figure("node_exporter_cpu_ms_per_scrape_defaults", defaults.cpu_ms_per_scrape, "ms",
         std::to_string(defaults.body_bytes) + " bytes");
  figure("ratio_node_exporter_same_sources_to_vigil", same.cpu_ms_per_scrape / vigil_ms, "x",
         "target >= 25");
  figure("ratio_node_exporter_defaults_to_vigil", defaults.cpu_ms_per_scrape / vigil_ms, "x");
  return 0;
}
