// The factory table: adding a component kind is one folder plus one line here.
#include "agent/components.h"

#include "collectors/dummy/dummy_collector.h"
#include "collectors/host/host_collector.h"
#include "collectors/internal/internal_collector.h"
#include "collectors/otlp/otlp_collector.h"
#include "collectors/tail/tail_collector.h"
#include "exporters/cloudwatch/cloudwatch_exporter.h"
#include "exporters/null/null_exporter.h"
#include "exporters/otlp/otlp_exporter.h"
#include "exporters/prometheus/pull_exporter.h"
#include "exporters/prometheus/remote_write_exporter.h"
#include "exporters/stdout/stdout_exporter.h"

namespace vigil {

const app::ComponentRegistry& builtin_components() {
  static const app::ComponentRegistry registry{
      .collectors =
          {
              collectors::internal::internal_collector_factory(),
              collectors::dummy::dummy_collector_factory(),
              collectors::otlp::otlp_collector_factory(),
              collectors::tail::tail_collector_factory(),
              collectors::host::host_collector_factory(),
          },
      .exporters =
          {
              exporters::stdout_exporter::stdout_exporter_factory(),
              exporters::null_exporter::null_exporter_factory(),
              exporters::prometheus::pull_exporter_factory(),
              exporters::otlp_exporter::otlp_exporter_factory(),
              exporters::prometheus::remote_write_exporter_factory(),
              exporters::cloudwatch::cloudwatch_exporter_factory(),
          },
  };
  return registry;
}

}  // namespace vigil
