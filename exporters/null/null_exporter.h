#pragma once

#include <functional>
#include <memory>

#include "agent/app/component.h"
#include "agent/core/batch.h"
#include "agent/core/export_pump.h"

namespace vigil::exporters::null_exporter {

// The kind's own keys ([exporters.null]): none.
struct NullConfig final : app::ComponentConfig {};

// Accepts every batch at once and discards it. The export pump counts what it receives
// (vigil_sent_items_total), so the rest of the pipeline is measured without any destination
// cost: for benchmarks of collectors and for tests that need a sink that never pushes back.
class NullExporter final : public app::Exporter {
 public:
  // Reports ok inside the call, without looking at the payload.
  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;
};

// The `null` kind: no keys besides the common ones; accepts every signal.
app::ExporterFactory null_exporter_factory();

}  // namespace vigil::exporters::null_exporter
