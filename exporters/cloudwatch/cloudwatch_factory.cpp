#include "agent/aws/credential_chain_context.h"
#include "agent/aws/environment.h"
#include "agent/config/config_reader.h"
#include "agent/net/openssl_library.h"
#include "agent/otlp/resource.h"
#include "exporters/cloudwatch/cloudwatch_exporter.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace vigil::exporters::cloudwatch {

namespace {

KeyValues resource_attributes(const app::ResourceInfo* resource) {
  opentelemetry::proto::resource::v1::Resource filled;
  if (resource != nullptr) otlp::fill_resource(*resource, &filled);
  return std::move(*filled.mutable_attributes());
}

}  // namespace

app::ExporterFactory cloudwatch_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "cloudwatch";
  factory.description =
      "metrics to CloudWatch (PutMetricData or EMF) and logs to CloudWatch Logs, signed with "
      "SigV4";
  factory.accepts.add(core::Signal::kMetrics);
  factory.accepts.add(core::Signal::kLogs);
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_cloudwatch_config(reader);
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Exporter>> {
    auto config = std::dynamic_pointer_cast<const CloudWatchConfig>(spec.config);
    if (config == nullptr) config = std::make_shared<const CloudWatchConfig>();
    // SigV4 signs with libcrypto's HMAC-SHA-256: a missing library stops the start.
    if (auto ssl = net::load_openssl(); !ssl) {
      return core::make_error(spec.identity.id + ": " + ssl.error().message);
    }
    auto credentials = aws::make_default_credential_chain(
        config->auth, aws::credential_chain_deps(context, spec.identity.id));
    if (!credentials) return std::unexpected(credentials.error());

    CloudWatchExporterOptions options;
    options.id = spec.identity.id;
    options.config = config;
    if (context.agent != nullptr && !context.agent->data_dir.empty()) {
      options.state_path = counter_state_path(context.agent->data_dir, spec.identity.name);
    }
    options.agent_resource = resource_attributes(context.resource);
    std::unique_ptr<aws::RegionResolver> resolver;
    if (auto region = aws::resolve_region_offline(config->auth, aws::Environment::process())) {
      options.region = region->region;
    } else {
      resolver = std::make_unique<aws::RegionResolver>(
          config->auth, aws::credential_chain_deps(context, spec.identity.id));
    }
    CloudWatchExporterDeps deps{context.loop,      context.http_client, context.clock,
                                context.scheduler, context.metrics,     context.logger};
    return std::unique_ptr<app::Exporter>(std::make_unique<CloudWatchExporter>(
        std::move(options), deps, std::move(*credentials), std::move(resolver)));
  };
  return factory;
}

}  // namespace vigil::exporters::cloudwatch
