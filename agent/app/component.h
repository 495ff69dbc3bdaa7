#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uv.h>

#include "agent/config/agent_config.h"
#include "agent/config/config_reader.h"
#include "agent/core/clock.h"
#include "agent/core/error.h"
#include "agent/core/export_pump.h"
#include "agent/core/random.h"
#include "agent/core/router.h"
#include "agent/core/scheduler.h"
#include "agent/core/signal.h"
#include "agent/otlp/resource_info.h"

namespace vigil::net {
class HttpClient;
}
namespace vigil::telemetry {
class Logger;
class MetricsRegistry;
}  // namespace vigil::telemetry

namespace vigil::app {

// Defined in agent/otlp/resource_info.h (vigil_otlp cannot include app headers).
using ResourceInfo = otlp::ResourceInfo;

// What a component gets from the agent. Everything is owned by the agent and outlives the
// component.
struct ComponentContext {
  uv_loop_t* loop = nullptr;
  core::Router* router = nullptr;
  telemetry::MetricsRegistry* metrics = nullptr;
  telemetry::Logger* logger = nullptr;
  const core::Clock* clock = nullptr;
  core::Random* random = nullptr;
  core::Scheduler* scheduler = nullptr;
  net::HttpClient* http_client = nullptr;
  const ResourceInfo* resource = nullptr;
  const config::AgentConfig* agent = nullptr;
};

// A kind's own settings, parsed by its factory.
struct ComponentConfig {
  virtual ~ComponentConfig() = default;
  // Addresses this component will listen on, as (key path, "HOST:PORT"): `vigil check` and
  // start-up test that they can be bound.
  virtual std::vector<std::pair<std::string, std::string>> listen_addresses() const { return {}; }
  // Facts `vigil check` reports about this component once the file is valid, one line each,
  // found without network and never a secret: e.g. an AWS exporter's
  // "AWS credentials: " + aws::describe_credential_source(auth).
  virtual std::vector<std::string> check_notes() const { return {}; }
};

// Identity shared by every component: kind, name (unique per kind), id ("kind" when the name
// is the kind, else "kind/name"), and where it was configured.
struct ComponentIdentity {
  std::string kind;
  std::string name;
  std::string id;
  std::string key_path;  // "exporters.otlp[0]"
};

struct CollectorSpec {
  ComponentIdentity identity;
  std::shared_ptr<const ComponentConfig> config;
};

struct ExporterSpec {
  ComponentIdentity identity;
  core::SignalSet signals;
  std::vector<std::string> from;  // collector ids; empty = all
  config::BufferConfig buffer;
  core::RetryConfig retry;
  std::size_t concurrency = 1;
  std::shared_ptr<const ComponentConfig> config;
};

// A source of telemetry. It offers batches to ctx.router and advances its own position only
// when the batch's acknowledgement says it is safe.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual core::Result<void> start() = 0;
  // Stop producing, hand what is pending to the router, then call `done` (on the loop).
  virtual void stop(std::function<void()> done) = 0;
};

// A destination. The agent feeds it from its queue through a core::ExportPump.
class Exporter : public core::Sender {
 public:
  virtual core::Result<void> start() { return {}; }
  virtual void stop() {}
};

struct CollectorFactory {
  std::string_view kind;
  std::string_view description;
  // Reads the kind's own keys (common keys are already read). Errors go to the reader.
  std::function<std::shared_ptr<const ComponentConfig>(config::ConfigReader&)> parse;
  std::function<core::Result<std::unique_ptr<Collector>>(const CollectorSpec&,
                                                         const ComponentContext&)>
      create;
};

struct ExporterFactory {
  std::string_view kind;
  std::string_view description;
  core::SignalSet accepts;  // what it can export; the default for `signals`
  std::function<std::shared_ptr<const ComponentConfig>(config::ConfigReader&)> parse;
  std::function<core::Result<std::unique_ptr<Exporter>>(const ExporterSpec&,
                                                        const ComponentContext&)>
      create;
};

// The factory tables, keyed by section name (`collectors.<kind>`, `exporters.<kind>`).
// The built-in table is agent/components.cpp: adding a kind is one folder plus one line there.
struct ComponentRegistry {
  std::vector<CollectorFactory> collectors;
  std::vector<ExporterFactory> exporters;

  const CollectorFactory* find_collector(std::string_view kind) const {
    for (const auto& f : collectors) {
      if (f.kind == kind) return &f;
    }
    return nullptr;
  }
  const ExporterFactory* find_exporter(std::string_view kind) const {
    for (const auto& f : exporters) {
      if (f.kind == kind) return &f;
    }
    return nullptr;
  }
};

}  // namespace vigil::app
