#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "agent/app/component.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/dummy/dummy_config.h"

namespace vigil::collectors::dummy {

// The `dummy` collector: generates log records, spans or metric points at a steady rate, for
// tests, demos and benchmarks (README.md in this folder). It never drops under back-pressure:
// a refused batch waits, unchanged, for the router's space notification, and nothing new is
// generated meanwhile.
class DummyCollector final : public app::Collector {
 public:
  DummyCollector(app::CollectorSpec spec, std::shared_ptr<const DummyConfig> config,
                 const app::ComponentContext& context);
  ~DummyCollector() override;
  DummyCollector(const DummyCollector&) = delete;
  DummyCollector& operator=(const DummyCollector&) = delete;

  core::Result<void> start() override;
  void stop(std::function<void()> done) override;

 private:
  struct Pending {
    core::BatchPtr batch;
    std::uint64_t items = 0;
  };

  std::uint64_t next_batch_records() const;
  core::Duration delay_for(std::uint64_t records);
  void schedule_next();
  void generate();
  void offer_pending();
  void stop_listening();

  app::CollectorSpec spec_;
  std::shared_ptr<const DummyConfig> config_;
  app::ComponentContext context_;
  // dummy.seq comes from a registry counter: the registry outlives this collector, so a
  // reloaded `dummy` with the same id carries on where the last one stopped.
  telemetry::Counter& next_seq_;
  telemetry::Counter& received_items_;
  telemetry::Counter& dropped_shutdown_;
  std::uint64_t id_salt_ = 0;

  bool running_ = false;
  std::int64_t started_unix_nanos_ = 0;
  std::uint64_t generated_ = 0;  // records since start()
  // Pacing: records generated since `epoch_`; a batch is due when its last record is.
  core::MonoTime epoch_{};
  std::uint64_t epoch_records_ = 0;
  bool resume_epoch_ = false;  // a batch was blocked: if behind, restart pacing, don't burst
  std::optional<Pending> pending_;
  std::unique_ptr<core::TimerHandle> timer_;
  std::uint64_t space_listener_ = 0;
};

// Registered as `collectors.dummy` in agent/components.cpp.
app::CollectorFactory dummy_collector_factory();

}  // namespace vigil::collectors::dummy
