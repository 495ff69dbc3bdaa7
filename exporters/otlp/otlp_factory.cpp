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
    if (config->auth == AuthKind::kSigV4) {
      return core::make_error(spec.identity.id +
                              ": auth = \"sigv4\" needs the AWS signer, which this build lacks");
    }
    return std::unique_ptr<app::Exporter>(
        std::make_unique<OtlpExporter>(spec.identity.id, config, context, nullptr));
  };
  return factory;
}

}  // namespace vigil::exporters::otlp_exporter
