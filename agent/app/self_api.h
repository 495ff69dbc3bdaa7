#pragma once

#include <functional>
#include <memory>
#include <string>

#include <uv.h>

#include "agent/core/error.h"
#include "agent/net/http_server.h"

namespace vigil::telemetry {
class MetricsRegistry;
class Logger;
}  // namespace vigil::telemetry

namespace vigil::app {

// [agent.api]: the agent's own endpoints.
//   GET /healthz  200 "ok" while the process serves requests (liveness)
//   GET /readyz   200 once every component started, else 503 (readiness)
//   GET /metrics  self-metrics in Prometheus text format 0.0.4
//   GET /status   JSON: version, uptime, readiness, per-component counters and queues
class SelfApi {
 public:
  struct Hooks {
    std::function<bool()> ready;
    std::function<std::string()> status_json;  // the document's "pipeline" member
  };

  SelfApi(uv_loop_t* loop, std::string listen, telemetry::MetricsRegistry& metrics,
          telemetry::Logger& logger, Hooks hooks);

  core::Result<void> start();
  void close();
  std::uint16_t port() const;

 private:
  void handle(net::HttpRequest&& request, net::HttpResponder responder);

  telemetry::MetricsRegistry& metrics_;
  Hooks hooks_;
  std::unique_ptr<net::HttpServer> server_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace vigil::app
