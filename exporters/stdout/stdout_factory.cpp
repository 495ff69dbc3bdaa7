#include <unistd.h>

#include "exporters/stdout/stdout_exporter.h"

namespace vigil::exporters::stdout_exporter {

app::ExporterFactory stdout_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "stdout";
  factory.description =
      "every span, log record and metric point as one line of OTLP/JSON on stdout or stderr";
  factory.accepts = core::SignalSet::all();
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    auto config = std::make_shared<StdoutConfig>();
    const std::string stream = reader.one_of("stream", "stdout", {"stdout", "stderr"});
    config->stream = stream == "stderr" ? Stream::kStderr : Stream::kStdout;
    return config;
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Exporter>> {
    StdoutConfig config;
    if (spec.config != nullptr) {
      auto parsed = std::dynamic_pointer_cast<const StdoutConfig>(spec.config);
      if (parsed == nullptr) return core::make_error(spec.identity.id + ": not a stdout config");
      config.stream = parsed->stream;
    }
    StdoutExporterOptions options;
    options.id = spec.identity.id;
    options.fd = config.stream == Stream::kStderr ? STDERR_FILENO : STDOUT_FILENO;
    options.stream_name = config.stream == Stream::kStderr ? "stderr" : "stdout";
    return std::unique_ptr<app::Exporter>(
        std::make_unique<StdoutExporter>(std::move(options), context.loop, context.logger));
  };
  return factory;
}

}  // namespace vigil::exporters::stdout_exporter
