#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <uv.h>

#include "agent/app/component.h"
#include "agent/core/batch.h"
#include "agent/core/clock.h"
#include "agent/core/export_pump.h"
#include "agent/net/http_server.h"
#include "agent/telemetry/metrics_registry.h"
#include "exporters/prometheus/exposition_renderer.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "exporters/prometheus/pull_config.h"
#include "exporters/prometheus/series_store.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::exporters::prometheus {

// What storing one batch did: the translation's counts and the store's.
struct StoreResult {
  TranslationStats translation;
  BatchOutcome store;
  std::size_t expired_series = 0;  // removed by the sweep that ran with this batch
  // Points that did not make it into the store (translation drops and store refusals).
  std::uint64_t rejected_points() const { return translation.dropped() + store.rejected_points; }
  // Why, for the log ("3 points without a timestamp; 2 of family foo: type conflict").
  std::string reason() const;
};

// Translates a serialized ExportMetricsServiceRequest into `store`: the whole ingest path of the
// pull endpoint (also what the scrape benchmark measures). Fails only when the payload does not
// parse. Expired series are swept when due.
core::Result<StoreResult> store_batch(std::string_view payload, Translator& translator,
                                      SeriesStore& store, core::MonoTime now);

struct PullExporterOptions {
  std::string id = "prometheus";  // component id: metrics labels, logs
  std::string listen{kDefaultPullListen};
  SeriesStoreOptions store;
  bool send_timestamps = false;
  TranslationOptions translation;
};

// The `prometheus` exporter (DESIGN.md section 4): keeps the latest point of every series and
// serves them on GET /metrics in text format 0.0.4, or OpenMetrics 1.0 when the Accept header
// prefers it, gzip-compressed when Accept-Encoding allows. A batch is delivered once stored: send()
// translates and stores it and reports ok before returning, so the agent's queue in front of it
// never holds a batch at rest (see README.md "Delivery").
//
// Self-metrics (component=<id>): vigil_prometheus_series (gauge), vigil_prometheus_scrapes_total
// {format="text"|"openmetrics"}, vigil_prometheus_expired_series_total.
// Loop thread only.
class PullExporter final : public app::Exporter {
 public:
  PullExporter(PullExporterOptions options, uv_loop_t* loop, const core::Clock& clock,
               telemetry::MetricsRegistry& metrics, telemetry::Logger& logger);
  ~PullExporter() override;
  PullExporter(const PullExporter&) = delete;
  PullExporter& operator=(const PullExporter&) = delete;

  // Binds `listen`.
  core::Result<void> start() override;
  // Closes the listener and its connections.
  void stop() override;
  // ok (with the points that could not be stored as rejected items); permanent when the
  // payload is not a metrics request that parses.
  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;

  std::uint16_t port() const;
  const SeriesStore& store() const { return store_; }

 private:
  void handle(net::HttpRequest&& request, net::HttpResponder responder);
  void sweep(core::MonoTime now);

  PullExporterOptions options_;
  const core::Clock& clock_;
  telemetry::Logger& logger_;
  Translator translator_;
  SeriesStore store_;
  std::unique_ptr<net::HttpServer> server_;
  std::string rendered_;  // reused by every scrape
  telemetry::Counter* scrapes_text_ = nullptr;
  telemetry::Counter* scrapes_openmetrics_ = nullptr;
  telemetry::Counter* expired_ = nullptr;
  telemetry::Registration series_gauge_;
};

// The `prometheus` kind: keys of PullConfig; accepts metrics.
app::ExporterFactory pull_exporter_factory();

}  // namespace vigil::exporters::prometheus
