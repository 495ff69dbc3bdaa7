#include "agent/aws/sigv4_request_signer.h"
#include "exporters/otlp/otlp_exporter.h"

namespace vigil::exporters::otlp_exporter {

app::ExporterFactory otlp_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "otlp";
  factory.description =
      "spans, metrics and logs to an OTLP backend over http/protobuf, http/json or gRPC";
  factory.accepts = core::SignalSet::all();
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_otlp_exporter_config(reader);
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Exporter>> {
    auto config = std::dynamic_pointer_cast<const OtlpExporterConfig>(spec.config);
    if (config == nullptr) return core::make_error(spec.identity.id + ": not an otlp config");
    if (context.http_client == nullptr) {
      return core::make_error(spec.identity.id + ": no HTTP client in the agent");
    }
    std::unique_ptr<net::RequestSigner> signer;
    if (config->auth == AuthKind::kSigV4) {
      auto sigv4 = aws::SigV4RequestSigner::create(config->aws, config->sigv4_service, context,
                                                   spec.identity.id);
      if (!sigv4) return core::make_error(spec.identity.id + ": " + sigv4.error().message);
      signer = std::move(*sigv4);
    }
    return std::unique_ptr<app::Exporter>(
        std::make_unique<OtlpExporter>(spec.identity.id, config, context, std::move(signer)));
  };
  return factory;
}

}  // namespace vigil::exporters::otlp_exporter
