#include "collectors/internal/internal_collector.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "agent/telemetry/logger.h"
#include "collectors/internal/self_metrics_encoder.h"

namespace vigil::collectors::internal {

namespace {

constexpr core::Duration kMinInterval = std::chrono::seconds(1);
constexpr core::Duration kMaxInterval = std::chrono::hours(24);
// Beyond this a process_start_time_seconds value is garbage (and would overflow nanoseconds).
constexpr double kMaxStartSeconds = 9e9;

// Floor division, so alignment is right for any clock value.
std::int64_t align_down(std::int64_t t, std::int64_t step) {
  std::int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}

}  // namespace

InternalCollector::InternalCollector(app::CollectorSpec spec, InternalConfig config,
                                     const app::ComponentContext& context)
    : spec_(std::move(spec)),
      config_(config),
      context_(context),
      blocked_points_(context.metrics->dropped_items(spec_.identity.id, "blocked")),
      received_points_(context.metrics->counter(
          "vigil_received_items_total", "Items a collector handed to the router, by signal.",
          {{"component", spec_.identity.id}, {"signal", "metrics"}})) {}

InternalCollector::~InternalCollector() = default;

core::Result<void> InternalCollector::start() {
  if (running_) return {};
  running_ = true;
  started_unix_nanos_ = context_.clock->unix_nanos();
  const std::int64_t step = config_.interval.count();
  next_tick_unix_nanos_ = align_down(started_unix_nanos_, step) + step;
  schedule(started_unix_nanos_);
  return {};
}

void InternalCollector::stop(std::function<void()> done) {
  running_ = false;
  timer_.reset();
  if (done) done();
}

void InternalCollector::schedule(std::int64_t now_unix_nanos) {
  const auto delay =
      core::Duration(std::max<std::int64_t>(0, next_tick_unix_nanos_ - now_unix_nanos));
  timer_ = context_.scheduler->schedule(delay, [this] { tick(); });
}

void InternalCollector::tick() {
  if (!running_) return;
  const std::int64_t step = config_.interval.count();
  const std::int64_t now = context_.clock->unix_nanos();
  std::int64_t t = next_tick_unix_nanos_;
  // A timer may fire a little early or late against the wall clock: the point keeps its
  // boundary. Far off (the loop stalled, the host slept, the clock was stepped) it takes the
  // latest boundary instead of reporting stale times or catching up in a burst.
  if (now >= t + step || now + step < t) t = align_down(now, step);
  emit(t);
  next_tick_unix_nanos_ = t + step;
  schedule(now);
}

std::int64_t InternalCollector::counters_start(const std::vector<telemetry::MetricSample>& samples,
                                               std::int64_t time_unix_nanos) const {
  // The registry's counters outlive this collector (a reload keeps them), so its own start
  // would make a reload look like every counter jumping from zero. They all began with the
  // process: use its start time when the registry has it.
  for (const auto& sample : samples) {
    if (sample.name != "process_start_time_seconds" || !sample.labels.empty()) continue;
    if (!(sample.value > 0 && sample.value < kMaxStartSeconds)) break;
    // The gauge has clock-tick resolution, but a double of ~1.7e9 s carries ~0.2 us of noise:
    // round the fraction to whole microseconds so the start time is the same on every point.
    const double seconds = std::floor(sample.value);
    const auto start = static_cast<std::int64_t>(seconds) * 1'000'000'000 +
                       std::llround((sample.value - seconds) * 1e6) * 1'000;
    if (start > 0 && start <= time_unix_nanos) return start;
    break;
  }
  return std::min(started_unix_nanos_, time_unix_nanos);
}

void InternalCollector::emit(std::int64_t time_unix_nanos) {
  auto samples = context_.metrics->collect();
  auto encoded = encode_self_metrics(samples, *context_.resource,
                                     counters_start(samples, time_unix_nanos), time_unix_nanos);
  if (encoded.points == 0) return;

  auto batch = std::make_shared<core::Batch>();
  batch->signal = core::Signal::kMetrics;
  batch->payload = std::move(encoded.payload);
  batch->items = encoded.points;
  batch->source = spec_.identity.id;

  // Captures shared state only: the acknowledgement may come after this collector is gone.
  auto on_settled = [acks = acks_](const core::AckOutcome& outcome) {
    if (outcome.safe()) {
      ++acks->safe;
    } else {
      ++acks->unsafe;
    }
  };
  if (context_.router->offer(batch, std::move(on_settled)) == core::OfferResult::kBlocked) {
    // A snapshot cannot wait: the next interval carries newer values of the same series.
    blocked_points_.add(encoded.points);
    if (context_.logger) {
      context_.logger->warn(spec_.identity.id,
                            "a queue is full: skipped this interval's {} self-metric points",
                            encoded.points);
    }
    return;
  }
  received_points_.add(encoded.points);
}

app::CollectorFactory internal_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "internal";
  factory.description = "vigil's own metrics (the /metrics registry) as OTLP metrics";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    auto config = std::make_shared<InternalConfig>();
    config->interval = reader.duration("interval", config->interval, kMinInterval, kMaxInterval);
    return config;
  };
  factory.create =
      [](const app::CollectorSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Collector>> {
    if (context.router == nullptr || context.metrics == nullptr || context.clock == nullptr ||
        context.scheduler == nullptr || context.resource == nullptr) {
      return core::make_error(spec.identity.id +
                              ": needs a router, metrics, a clock, a scheduler and a resource");
    }
    InternalConfig config;
    if (spec.config != nullptr) {
      auto parsed = std::dynamic_pointer_cast<const InternalConfig>(spec.config);
      if (parsed == nullptr) return core::make_error(spec.identity.id + ": not an internal config");
      config = *parsed;
    }
    return std::make_unique<InternalCollector>(spec, config, context);
  };
  return factory;
}

}  // namespace vigil::collectors::internal
