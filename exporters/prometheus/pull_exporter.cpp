#include "exporters/prometheus/pull_exporter.h"

#include <fmt/format.h>

#include "agent/net/compression.h"
#include "agent/telemetry/logger.h"

namespace vigil::exporters::prometheus {

namespace {

// gzip level 1: metrics text compresses to about a tenth at this level already, and a scrape
// should cost the host as little as possible (node_exporter's level 6 buys a few percent more).
// The small window keeps zlib's state at 64 KiB instead of 256 KiB of heap that stays resident.
constexpr int kGzipLevel = 1;

void add_reason(std::string& out, std::uint64_t count, std::string_view what) {
  if (count == 0) return;
  if (!out.empty()) out.append("; ");
  fmt::format_to(std::back_inserter(out), "{} {}", count, what);
}

}  // namespace

std::string StoreResult::reason() const {
  std::string out;
  add_reason(out, translation.dropped_no_timestamp, "point(s) without a timestamp");
  add_reason(out, translation.dropped_invalid, "invalid point(s)");
  add_reason(out, translation.dropped_out_of_order, "delta point(s) out of order");
  add_reason(out, translation.dropped_state_full, "delta point(s) beyond the tracked series");
  add_reason(out, translation.dropped_unsupported, "point(s) of an unsupported type");
  if (store.rejected_type_conflict > 0) {
    add_reason(out, store.rejected_type_conflict,
               fmt::format("point(s) whose family is already served with another type (e.g. {})",
                           store.first_conflict));
  }
  add_reason(out, store.rejected_series_limit, "point(s) of new series beyond max_series");
  return out;
}

core::Result<StoreResult> store_batch(std::string_view payload, Translator& translator,
                                      SeriesStore& store, core::MonoTime now) {
  StoreResult result;
  result.expired_series = store.expire_if_due(now);
  store.begin_batch();
  auto translated = translator.translate(payload, store);
  // Even after a parse error, what the sink received so far is stored and must be ordered.
  result.store = store.finish_batch();
  if (!translated) return std::unexpected(translated.error());
  result.translation = *translated;
  return result;
}

PullExporter::PullExporter(PullExporterOptions options, uv_loop_t* loop, const core::Clock& clock,
                           telemetry::MetricsRegistry& metrics, telemetry::Logger& logger)
    : options_(std::move(options)),
      clock_(clock),
      logger_(logger),
      translator_(options_.translation),
      store_(options_.store, clock) {
  net::HttpServerOptions http;
  http.listen = options_.listen;
  http.max_body_bytes = 64 * 1024;  // scrapes carry no body
  http.max_connections = 64;
  http.name = options_.id;
  http.clock = &clock;
  server_ = std::make_unique<net::HttpServer>(
      loop, std::move(http),
      [this](net::HttpRequest&& request, net::HttpResponder responder) {
        handle(std::move(request), std::move(responder));
      },
      logger);
  const std::string& id = options_.id;
  const char* scrapes_help = "Scrapes of the Prometheus pull endpoint, by exposition format.";
  scrapes_text_ = &metrics.counter("vigil_prometheus_scrapes_total", scrapes_help,
                                   {{"component", id}, {"format", "text"}});
  scrapes_openmetrics_ = &metrics.counter("vigil_prometheus_scrapes_total", scrapes_help,
                                          {{"component", id}, {"format", "openmetrics"}});
  expired_ = &metrics.counter("vigil_prometheus_expired_series_total",
                              "Series the Prometheus pull endpoint stopped serving because no "
                              "point arrived within the staleness window.",
                              {{"component", id}});
  series_gauge_ = metrics.gauge_callback(
      "vigil_prometheus_series", "Series held by the Prometheus pull endpoint.",
      {{"component", id}}, [this] { return static_cast<double>(store_.series_count()); });
}

PullExporter::~PullExporter() = default;

core::Result<void> PullExporter::start() { return server_->listen(); }

void PullExporter::stop() { server_->close(); }

std::uint16_t PullExporter::port() const { return server_->port(); }

void PullExporter::send(const core::Batch& batch, std::function<void(core::SendResult)> done) {
  if (batch.signal != core::Signal::kMetrics) {
    done(core::SendResult::permanent(fmt::format(
        "the prometheus exporter takes metrics only, got {}", core::to_string(batch.signal))));
    return;
  }
  auto stored = store_batch(batch.payload, translator_, store_, clock_.monotonic());
  if (!stored) {
    done(core::SendResult::permanent("metrics request does not parse: " + stored.error().message));
    return;
  }
  expired_->add(stored->expired_series);
  core::SendResult result = core::SendResult::ok();
  result.rejected_items = stored->rejected_points();
  if (result.rejected_items > 0) result.reason = stored->reason();
  done(std::move(result));
}

void PullExporter::sweep(core::MonoTime now) { expired_->add(store_.expire_if_due(now)); }

void PullExporter::handle(net::HttpRequest&& request, net::HttpResponder responder) {
  net::HttpResponse response;
  if (request.path != "/metrics") {
    response.status = 404;
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = "not found; metrics are served at /metrics\n";
    responder.send(std::move(response));
    return;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.headers.push_back({"Allow", "GET, HEAD"});
    response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    response.body = "method not allowed\n";
    responder.send(std::move(response));
    return;
  }
  const Negotiated how = negotiate(request.header("accept"), request.header("accept-encoding"));
  const core::MonoTime now = clock_.monotonic();
  sweep(now);
  render_exposition(store_, now, RenderOptions{how.format, options_.send_timestamps}, rendered_);
  (is_openmetrics(how.format) ? scrapes_openmetrics_ : scrapes_text_)->add();
  response.headers.push_back({"Content-Type", std::string(content_type(how.format))});
  response.headers.push_back({"Vary", "Accept, Accept-Encoding"});
  if (how.gzip) {
    auto compressed = net::gzip_compress(rendered_, kGzipLevel, net::kSmallGzipMemory);
    if (compressed) {
      response.headers.push_back({"Content-Encoding", "gzip"});
      response.body = std::move(*compressed);
      responder.send(std::move(response));
      return;
    }
    // zlib failing (out of memory) is no reason to fail the scrape: send it uncompressed.
    logger_.warn(options_.id, "gzip failed ({}); answering uncompressed",
                 compressed.error().message);
  }
  response.body = rendered_;
  responder.send(std::move(response));
}

}  // namespace vigil::exporters::prometheus
