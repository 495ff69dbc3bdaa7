#include "agent/aws/sigv4_request_signer.h"
#include "exporters/prometheus/remote_write_exporter.h"

namespace vigil::exporters::prometheus {

app::ExporterFactory remote_write_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "prometheus_remote_write";
  factory.description =
      "metrics to Prometheus, Mimir, Thanos, VictoriaMetrics or Amazon Managed Prometheus over "
      "remote write 1.0";
  core::SignalSet metrics_only;
  metrics_only.add(core::Signal::kMetrics);
  factory.accepts = metrics_only;
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_remote_write_config(reader);
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Exporter>> {
    auto config = std::dynamic_pointer_cast<const RemoteWriteConfig>(spec.config);
    if (config == nullptr) {
      return core::make_error(spec.identity.id + ": not a prometheus_remote_write config");
    }
    if (context.http_client == nullptr) {
      return core::make_error(spec.identity.id + ": no HTTP client in the agent");
    }
    std::unique_ptr<net::RequestSigner> signer;
    if (config->sigv4) {
      // Amazon Managed Prometheus: credentials from agent/aws's default chain, the region
      // resolved on first use, the final (compressed) body signed.
      auto sigv4 = aws::SigV4RequestSigner::create(config->aws, config->sigv4_service, context,
                                                   spec.identity.id);
      if (!sigv4) return core::make_error(spec.identity.id + ": " + sigv4.error().message);
      signer = std::move(*sigv4);
    }
    return std::unique_ptr<app::Exporter>(std::make_unique<RemoteWriteExporter>(
        spec.identity.id, config, context, std::move(signer)));
  };
  return factory;
}

}  // namespace vigil::exporters::prometheus
