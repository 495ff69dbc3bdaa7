#include "exporters/prometheus/pull_exporter.h"

namespace vigil::exporters::prometheus {

app::ExporterFactory pull_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "prometheus";
  factory.description =
      "serves the latest point of every metric series on /metrics for Prometheus to scrape";
  core::SignalSet metrics_only;
  metrics_only.add(core::Signal::kMetrics);
  factory.accepts = metrics_only;
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_pull_config(reader);
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Exporter>> {
    PullConfig config;
    if (spec.config != nullptr) {
      auto parsed = std::dynamic_pointer_cast<const PullConfig>(spec.config);
      if (parsed == nullptr)
        return core::make_error(spec.identity.id + ": not a prometheus config");
      config = *parsed;
    }
    PullExporterOptions options;
    options.id = spec.identity.id;
    options.listen = config.listen;
    options.store.staleness = config.staleness;
    options.store.max_series = static_cast<std::size_t>(config.max_series);
    options.send_timestamps = config.send_timestamps;
    options.translation.node_exporter_names = config.node_exporter_names;
    options.translation.target_info = config.target_info;
    options.translation.job_instance_labels = config.job_instance_labels;
    options.translation.scope_labels = config.scope_labels;
    return std::unique_ptr<app::Exporter>(std::make_unique<PullExporter>(
        std::move(options), context.loop, *context.clock, *context.metrics, *context.logger));
  };
  return factory;
}

}  // namespace vigil::exporters::prometheus
