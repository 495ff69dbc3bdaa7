#include "agent/app/pipeline.h"

#include <fmt/format.h>

#include "agent/app/json_writer.h"
#include "agent/otlp/host_identity.h"
#include "agent/telemetry/logger.h"

namespace vigil::app {

namespace {
constexpr std::string_view kLogComponent = "pipeline";
constexpr core::Duration kDrainPoll = std::chrono::milliseconds(20);
}  // namespace

Pipeline::Pipeline(Key, const config::LoadedConfig& config, const PipelineDeps& deps)
    : config_(config),
      deps_(deps),
      resource_(
          otlp::detect_resource(deps.proc_root, config.agent.hostname, config.agent.resource)),
      router_(*deps.metrics, *deps.scheduler),
      drain_timer_(deps.loop) {
  context_.loop = deps.loop;
  context_.router = &router_;
  context_.metrics = deps.metrics;
  context_.logger = deps.logger;
  context_.clock = deps.clock;
  context_.random = deps.random;
  context_.scheduler = deps.scheduler;
  context_.http_client = deps.http_client;
  context_.resource = &resource_;
  context_.agent = &config_.agent;
}

Pipeline::~Pipeline() {
  // Pumps reference queues and exporters: they go first.
  for (auto& slot : exporters_) slot.pump.reset();
  collectors_.clear();
  exporters_.clear();
}

core::Result<std::unique_ptr<Pipeline>> Pipeline::build(const config::LoadedConfig& config,
                                                        const PipelineDeps& deps) {
  auto p = std::make_unique<Pipeline>(Key{}, config, deps);
  for (const auto& spec : p->config_.exporters) {
    const auto* factory = deps.registry->find_exporter(spec.identity.kind);
    if (factory == nullptr) return core::make_error("unknown exporter kind " + spec.identity.kind);
    auto exporter = factory->create(spec, p->context_);
    if (!exporter) {
      return core::make_error(
          fmt::format("{}: {}", spec.identity.key_path, exporter.error().message));
    }
    ExporterSlot slot;
    slot.spec = spec;
    slot.exporter = std::move(*exporter);
    slot.queue =
        std::make_unique<core::MemoryQueue>(spec.identity.id, spec.buffer.max_memory,
                                            spec.buffer.when_full, *deps.metrics, *deps.logger);
    core::ExportPumpOptions options;
    options.exporter = spec.identity.id;
    options.concurrency = spec.concurrency;
    options.retry = spec.retry;
    slot.pump =
        std::make_unique<core::ExportPump>(options, *slot.queue, *slot.exporter, *deps.scheduler,
                                           *deps.clock, *deps.random, *deps.metrics, *deps.logger);
    const telemetry::Labels labels{{"component", spec.identity.id}};
    auto* queue = slot.queue.get();
    slot.registrations.push_back(deps.metrics->gauge_callback(
        "vigil_queue_bytes", "Bytes held in the exporter's queue (waiting and in flight).", labels,
        [queue] { return static_cast<double>(queue->stats().bytes); }));
    slot.registrations.push_back(deps.metrics->gauge_callback(
        "vigil_queue_items", "Items held in the exporter's queue (waiting and in flight).", labels,
        [queue] { return static_cast<double>(queue->stats().items); }));
    slot.registrations.push_back(deps.metrics->gauge_callback(
        "vigil_queue_batches", "Batches held in the exporter's queue (waiting and in flight).",
        labels, [queue] { return static_cast<double>(queue->stats().batches); }));
    slot.registrations.push_back(deps.metrics->gauge_callback(
        "vigil_queue_capacity_bytes", "The exporter queue's capacity in bytes.", labels,
        [queue] { return static_cast<double>(queue->stats().capacity_bytes); }));
    p->exporters_.push_back(std::move(slot));
  }
  for (auto& slot : p->exporters_) {
    p->router_.add_route(
        core::Route{slot.spec.identity.id, slot.queue.get(), slot.spec.signals, slot.spec.from});
  }
  for (const auto& spec : p->config_.collectors) {
    const auto* factory = deps.registry->find_collector(spec.identity.kind);
    if (factory == nullptr) return core::make_error("unknown collector kind " + spec.identity.kind);
    auto collector = factory->create(spec, p->context_);
    if (!collector) {
      return core::make_error(
          fmt::format("{}: {}", spec.identity.key_path, collector.error().message));
    }
    p->collectors_.push_back(CollectorSlot{spec, std::move(*collector), false});
  }
  return p;
}

core::Result<void> Pipeline::start() {
  for (auto& slot : exporters_) {
    if (auto r = slot.exporter->start(); !r) {
      return core::make_error(
          fmt::format("{}: {}", slot.spec.identity.key_path, r.error().message));
    }
    slot.pump->start();
  }
  for (auto& slot : collectors_) {
    if (auto r = slot.collector->start(); !r) {
      auto message = fmt::format("{}: {}", slot.spec.identity.key_path, r.error().message);
      for (auto& started : collectors_) {
        if (started.running) started.collector->stop([] {});
        started.running = false;
      }
      for (auto& e : exporters_) {
        e.pump->stop();
        e.exporter->stop();
      }
      return core::make_error(std::move(message));
    }
    slot.running = true;
  }
  started_ = true;
  deps_.logger->info(kLogComponent, "started {} collector(s) and {} exporter(s)",
                     collectors_.size(), exporters_.size());
  return {};
}

void Pipeline::stop_collectors(std::function<void()> done) {
  auto remaining = std::make_shared<std::size_t>(0);
  for (auto& slot : collectors_) {
    if (slot.running) ++*remaining;
  }
  if (*remaining == 0) {
    done();
    return;
  }
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& slot : collectors_) {
    if (!slot.running) continue;
    slot.running = false;
    slot.collector->stop([remaining, shared_done] {
      if (--*remaining == 0) (*shared_done)();
    });
  }
}

void Pipeline::wait_for_queues(core::MonoTime deadline, std::function<void()> done) {
  bool idle = true;
  for (const auto& slot : exporters_) idle = idle && slot.pump->idle();
  if (idle || deps_.clock->monotonic() >= deadline) {
    done();
    return;
  }
  drain_timer_.start(kDrainPoll, [this, deadline, done = std::move(done)]() mutable {
    wait_for_queues(deadline, std::move(done));
  });
}

DrainReport Pipeline::finish_drain() {
  DrainReport report;
  for (auto& slot : exporters_) {
    if (!slot.pump->idle()) report.completed = false;
    slot.pump->stop();
    const auto left = slot.queue->abandon_waiting();
    if (left > 0) {
      report.abandoned_items += left;
      deps_.metrics->dropped_items(slot.spec.identity.id, "shutdown").add(left);
      deps_.logger->warn(kLogComponent,
                         "{}: {} item(s) still queued at the shutdown deadline were not delivered "
                         "(their sources were never acknowledged)",
                         slot.spec.identity.id, left);
    }
    slot.exporter->stop();
  }
  started_ = false;
  return report;
}

void Pipeline::drain(core::Duration timeout, std::function<void(DrainReport)> done) {
  if (draining_) return;
  draining_ = true;
  const auto deadline = deps_.clock->monotonic() + timeout;
  stop_collectors([this, deadline, done = std::move(done)]() mutable {
    wait_for_queues(deadline, [this, done = std::move(done)] { done(finish_drain()); });
  });
}

std::string Pipeline::status_json() const {
  auto samples = deps_.metrics->collect();
  auto component_counters = [&](JsonWriter& w, const std::string& id) {
    w.key("metrics").begin_object();
    for (const auto& s : samples) {
      bool mine = false;
      std::string key = s.name;
      std::string extra;
      for (const auto& [k, v] : s.labels) {
        if (k == "component") {
          mine = (v == id);
        } else {
          extra += fmt::format("{}{}=\"{}\"", extra.empty() ? "" : ",", k, v);
        }
      }
      if (!mine) continue;
      if (!extra.empty()) key += "{" + extra + "}";
      w.key(key).number(s.value);
    }
    w.end_object();
  };
  JsonWriter w;
  w.begin_object();
  w.key("collectors").begin_array();
  for (const auto& slot : collectors_) {
    w.begin_object();
    w.key("id").string(slot.spec.identity.id);
    w.key("kind").string(slot.spec.identity.kind);
    w.key("running").boolean(slot.running);
    component_counters(w, slot.spec.identity.id);
    w.end_object();
  }
  w.end_array();
  w.key("exporters").begin_array();
  for (const auto& slot : exporters_) {
    const auto stats = slot.queue->stats();
    w.begin_object();
    w.key("id").string(slot.spec.identity.id);
    w.key("kind").string(slot.spec.identity.kind);
    w.key("signals").begin_array();
    for (auto s : core::kAllSignals) {
      if (slot.spec.signals.contains(s)) w.string(core::to_string(s));
    }
    w.end_array();
    w.key("queue").begin_object();
    w.key("type").string(slot.spec.buffer.type);
    w.key("when_full").string(core::to_string(slot.spec.buffer.when_full));
    w.key("bytes").number(static_cast<double>(stats.bytes));
    w.key("items").number(static_cast<double>(stats.items));
    w.key("batches").number(static_cast<double>(stats.batches));
    w.key("in_flight").number(static_cast<double>(stats.in_flight));
    w.key("capacity_bytes").number(static_cast<double>(stats.capacity_bytes));
    w.end_object();
    component_counters(w, slot.spec.identity.id);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace vigil::app
