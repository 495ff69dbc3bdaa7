#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "agent/app/component.h"
#include "agent/config/config_loader.h"
#include "agent/core/export_pump.h"
#include "agent/core/memory_queue.h"
#include "agent/core/router.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::app {

// What the agent lends every pipeline. All outlive the pipeline.
struct PipelineDeps {
  uv_loop_t* loop = nullptr;
  const ComponentRegistry* registry = nullptr;
  telemetry::MetricsRegistry* metrics = nullptr;
  telemetry::Logger* logger = nullptr;
  const core::Clock* clock = nullptr;
  core::Random* random = nullptr;
  core::Scheduler* scheduler = nullptr;
  net::HttpClient* http_client = nullptr;
  std::string proc_root = "/proc";  // for container detection
};

struct DrainReport {
  bool completed = true;              // every queue emptied before the deadline
  std::uint64_t abandoned_items = 0;  // left in queues at the deadline (never acknowledged)
};

// One generation of collectors, queues and exporters built from one configuration
// (DESIGN.md sections 1 and 4). A reload builds a new Pipeline and drains the old one.
class Pipeline {
  struct Key {};  // only build() constructs

 public:
  Pipeline(Key, const config::LoadedConfig& config, const PipelineDeps& deps);
  // Creates every component (no I/O yet). Errors name the component.
  static core::Result<std::unique_ptr<Pipeline>> build(const config::LoadedConfig& config,
                                                       const PipelineDeps& deps);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Starts exporters and their pumps, then collectors (so nothing is produced before there is
  // somewhere to put it). On error, what was started is stopped again.
  core::Result<void> start();

  // Stops collectors (they hand over what they hold), waits until every queue is delivered or
  // `timeout` passes, then stops exporters. What is still queued then was never acknowledged
  // to its source: it is counted (vigil_dropped_items_total reason "shutdown") and logged.
  void drain(core::Duration timeout, std::function<void(DrainReport)> done);

  bool started() const { return started_; }
  const config::LoadedConfig& config() const { return config_; }
  // {"collectors":[...],"exporters":[...]} with per-component counters and queue stats.
  std::string status_json() const;

 private:
  struct ExporterSlot {
    ExporterSpec spec;
    std::unique_ptr<core::MemoryQueue> queue;
    std::unique_ptr<Exporter> exporter;
    std::unique_ptr<core::ExportPump> pump;
    std::vector<telemetry::Registration> registrations;
  };
  struct CollectorSlot {
    CollectorSpec spec;
    std::unique_ptr<Collector> collector;
    bool running = false;
  };

  void stop_collectors(std::function<void()> done);
  void wait_for_queues(core::MonoTime deadline, std::function<void()> done);
  DrainReport finish_drain();

  config::LoadedConfig config_;
  PipelineDeps deps_;
  ResourceInfo resource_;
  core::Router router_;
  ComponentContext context_;
  std::vector<ExporterSlot> exporters_;
  std::vector<CollectorSlot> collectors_;
  net::UvTimer drain_timer_;
  bool started_ = false;
  bool draining_ = false;
};

}  // namespace vigil::app
