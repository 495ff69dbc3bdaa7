#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "agent/app/component.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::collectors::internal {

// [collectors.internal]
struct InternalConfig final : app::ComponentConfig {
  core::Duration interval = std::chrono::seconds(10);
};

// The `internal` collector: vigil's own metrics (the registry behind /metrics) as OTLP, so they
// reach the same backends as everything else (README.md in this folder).
class InternalCollector final : public app::Collector {
 public:
  // How the batches offered so far were settled (the acknowledgement has nothing to advance:
  // a point is never replayed).
  struct AckCounts {
    std::uint64_t safe = 0;
    std::uint64_t unsafe = 0;
  };

  InternalCollector(app::CollectorSpec spec, InternalConfig config,
                    const app::ComponentContext& context);
  ~InternalCollector() override;
  InternalCollector(const InternalCollector&) = delete;
  InternalCollector& operator=(const InternalCollector&) = delete;

  core::Result<void> start() override;
  void stop(std::function<void()> done) override;

  AckCounts acks() const { return *acks_; }

 private:
  void schedule(std::int64_t now_unix_nanos);
  void tick();
  void emit(std::int64_t time_unix_nanos);
  std::int64_t counters_start(const std::vector<telemetry::MetricSample>& samples,
                              std::int64_t time_unix_nanos) const;

  app::CollectorSpec spec_;
  InternalConfig config_;
  app::ComponentContext context_;
  telemetry::Counter& blocked_points_;
  telemetry::Counter& received_points_;
  std::shared_ptr<AckCounts> acks_ = std::make_shared<AckCounts>();
  std::unique_ptr<core::TimerHandle> timer_;
  std::int64_t started_unix_nanos_ = 0;
  std::int64_t next_tick_unix_nanos_ = 0;
  bool running_ = false;
};

// Registered as `collectors.internal` in agent/components.cpp.
app::CollectorFactory internal_collector_factory();

}  // namespace vigil::collectors::internal
