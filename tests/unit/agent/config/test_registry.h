#pragma once

// Fake component kinds for the config tests: each reads a few keys of its own through the
// ConfigReader the loader hands it, so the tests exercise dispatch, kind-specific keys and the
// errors they produce without linking real collectors or exporters.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/app/component.h"
#include "agent/config/config_reader.h"

namespace vigil::config::test {

struct HostConfig : app::ComponentConfig {
  core::Duration interval{};
  std::vector<std::string> scrapers;
};

struct TailConfig : app::ComponentConfig {
  std::string path;
  std::string start_at;
};

struct OtlpReceiverConfig : app::ComponentConfig {
  std::string key_path;
  std::string grpc_listen;
  std::string http_listen;
  std::uint64_t max_request_size = 0;
  std::string token;
  std::vector<std::pair<std::string, std::string>> listen_addresses() const override {
    return {{key_path + ".grpc_listen", grpc_listen}, {key_path + ".http_listen", http_listen}};
  }
};

struct OtlpExporterConfig : app::ComponentConfig {
  std::string endpoint;
  core::Duration timeout{};
  std::map<std::string, std::string> headers;
  std::string api_key;
  std::string compression;
};

struct StdoutConfig : app::ComponentConfig {
  std::string stream;
};

struct PrometheusConfig : app::ComponentConfig {
  std::string listen;
};

struct RemoteWriteConfig : app::ComponentConfig {
  std::string endpoint;
  std::int64_t max_samples = 0;
};

inline app::ComponentRegistry test_registry() {
  app::ComponentRegistry registry;
  registry.collectors.push_back(app::CollectorFactory{
      "host", "host metrics",
      [](ConfigReader& r) {
        auto c = std::make_shared<HostConfig>();
        c->interval = r.duration("interval", std::chrono::seconds(10), std::chrono::seconds(1),
                                 std::chrono::hours(1));
        c->scrapers = r.string_list("scrapers", {"cpu", "memory"});
        return c;
      },
      nullptr});
  registry.collectors.push_back(
      app::CollectorFactory{"tail", "log files",
                            [](ConfigReader& r) {
                              auto c = std::make_shared<TailConfig>();
                              c->path = r.required_string("path");
                              c->start_at = r.one_of("start_at", "end", {"beginning", "end"});
                              return c;
                            },
                            nullptr});
  registry.collectors.push_back(app::CollectorFactory{
      "otlp", "OTLP receiver",
      [](ConfigReader& r) {
        auto c = std::make_shared<OtlpReceiverConfig>();
        c->key_path = r.key_path();
        c->grpc_listen = r.listen_address("grpc_listen", "127.0.0.1:4317");
        c->http_listen = r.listen_address("http_listen", "127.0.0.1:4318");
        c->max_request_size = r.size("max_request_size", 4ull << 20, 1ull << 10, 64ull << 20);
        c->token = r.table("auth").secret_string("token", "");
        return c;
      },
      nullptr});
  registry.exporters.push_back(app::ExporterFactory{
      "otlp", "OTLP", core::SignalSet::all(),
      [](ConfigReader& r) {
        auto c = std::make_shared<OtlpExporterConfig>();
        c->endpoint = r.required_string("endpoint");
        c->timeout = r.duration("timeout", std::chrono::seconds(10), std::chrono::seconds(1),
                                std::chrono::minutes(5));
        c->headers = r.string_map("headers", {"authorization", "x-api-key"});
        c->api_key = r.secret_string("api_key", "");
        c->compression = r.one_of("compression", "gzip", {"gzip", "zstd", "none"});
        return c;
      },
      nullptr});
  registry.exporters.push_back(
      app::ExporterFactory{"stdout", "debugging", core::SignalSet::all(),
                           [](ConfigReader& r) {
                             auto c = std::make_shared<StdoutConfig>();
                             c->stream = r.one_of("stream", "stdout", {"stdout", "stderr"});
                             return c;
                           },
                           nullptr});
  core::SignalSet metrics_only;
  metrics_only.add(core::Signal::kMetrics);
  registry.exporters.push_back(app::ExporterFactory{"prometheus", "pull endpoint", metrics_only,
                                                    [](ConfigReader& r) {
                                                      auto c = std::make_shared<PrometheusConfig>();
                                                      c->listen = r.listen_address(
                                                          "listen", "127.0.0.1:9464");
                                                      return c;
                                                    },
                                                    nullptr});
  registry.exporters.push_back(
      app::ExporterFactory{"prometheus_remote_write", "remote write", metrics_only,
                           [](ConfigReader& r) {
                             auto c = std::make_shared<RemoteWriteConfig>();
                             c->endpoint = r.required_string("endpoint");
                             c->max_samples = r.integer("max_samples", 2000, 1, 100000);
                             return c;
                           },
                           nullptr});
  return registry;
}

}  // namespace vigil::config::test
