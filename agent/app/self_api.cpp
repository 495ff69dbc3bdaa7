#include "agent/app/self_api.h"

#include "agent/app/json_writer.h"
#include "agent/telemetry/metrics_registry.h"
#include "vigil/version.h"

namespace vigil::app {

SelfApi::SelfApi(uv_loop_t* loop, std::string listen, telemetry::MetricsRegistry& metrics,
                 telemetry::Logger& logger, Hooks hooks)
    : metrics_(metrics), hooks_(std::move(hooks)) {
  net::HttpServerOptions options;
  options.listen = std::move(listen);
  options.max_body_bytes = 64 * 1024;  // it takes no bodies
  options.max_connections = 64;
  options.name = "api";
  server_ = std::make_unique<net::HttpServer>(
      loop, std::move(options),
      [this](net::HttpRequest&& request, net::HttpResponder responder) {
        handle(std::move(request), std::move(responder));
      },
      logger);
}

core::Result<void> SelfApi::start() { return server_->listen(); }
void SelfApi::close() { server_->close(); }
std::uint16_t SelfApi::port() const { return server_->port(); }

void SelfApi::handle(net::HttpRequest&& request, net::HttpResponder responder) {
  net::HttpResponse response;
  auto text = [&](int status, std::string body) {
    response.status = status;
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = std::move(body);
  };
  const bool known = request.path == "/healthz" || request.path == "/readyz" ||
                     request.path == "/metrics" || request.path == "/status";
  if (!known) {
    text(404, "not found; try /healthz, /readyz, /metrics or /status\n");
  } else if (request.method != "GET" && request.method != "HEAD") {
    text(405, "method not allowed\n");
    response.headers.push_back({"Allow", "GET, HEAD"});
  } else if (request.path == "/healthz") {
    text(200, "ok\n");
  } else if (request.path == "/readyz") {
    const bool ready = hooks_.ready && hooks_.ready();
    text(ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
  } else if (request.path == "/metrics") {
    response.headers.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
    response.body = metrics_.render_prometheus();
  } else {
    JsonWriter w;
    w.begin_object();
    w.key("version").string(vigil::kVersion);
    w.key("uptime_seconds")
        .number(std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    w.key("ready").boolean(hooks_.ready && hooks_.ready());
    w.end_object();
    std::string doc = w.take();
    // Splice the pipeline's document in as a member (it is already JSON).
    std::string pipeline = hooks_.status_json ? hooks_.status_json() : std::string("null");
    doc.pop_back();
    doc += ",\"pipeline\":" + pipeline + "}\n";
    response.headers.push_back({"Content-Type", "application/json"});
    response.body = std::move(doc);
  }
  responder.send(std::move(response));
}

}  // namespace vigil::app
