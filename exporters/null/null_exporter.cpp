#include "exporters/null/null_exporter.h"

namespace vigil::exporters::null_exporter {

void NullExporter::send(const core::Batch& /*batch*/, std::function<void(core::SendResult)> done) {
  done(core::SendResult::ok());
}

app::ExporterFactory null_exporter_factory() {
  app::ExporterFactory factory;
  factory.kind = "null";
  factory.description = "discards every batch, acknowledging it at once (benchmarks, tests)";
  factory.accepts = core::SignalSet::all();
  factory.parse = [](config::ConfigReader&) -> std::shared_ptr<const app::ComponentConfig> {
    // No keys of its own: the reader reports any key it was not asked for as unknown.
    return std::make_shared<NullConfig>();
  };
  factory.create =
      [](const app::ExporterSpec& spec,
         const app::ComponentContext&) -> core::Result<std::unique_ptr<app::Exporter>> {
    if (spec.config != nullptr &&
        std::dynamic_pointer_cast<const NullConfig>(spec.config) == nullptr) {
      return core::make_error(spec.identity.id + ": not a null config");
    }
    return std::unique_ptr<app::Exporter>(std::make_unique<NullExporter>());
  };
  return factory;
}

}  // namespace vigil::exporters::null_exporter
