#include "collectors/dummy/dummy_collector.h"

#include <algorithm>
#include <utility>

#include "agent/telemetry/logger.h"
#include "collectors/dummy/dummy_payload.h"

namespace vigil::collectors::dummy {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
// Further behind schedule than this (a stalled loop), pacing restarts instead of catching up.
constexpr core::Duration kMaxLag = std::chrono::seconds(1);

// Nanoseconds from the first record to record `j` at `rate` per second, without overflow for
// any j a process can reach.
std::int64_t nanos_for(std::uint64_t j, std::uint64_t rate) {
  return static_cast<std::int64_t>((j / rate) * kNanosPerSecond +
                                   (j % rate) * kNanosPerSecond / rate);
}

}  // namespace

DummyCollector::DummyCollector(app::CollectorSpec spec, std::shared_ptr<const DummyConfig> config,
                               const app::ComponentContext& context)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      context_(context),
      next_seq_(context.metrics->counter(
          "vigil_dummy_records_total",
          "Records the dummy collector generated (the next dummy.seq), by component.",
          {{"component", spec_.identity.id}})),
      received_items_(context.metrics->counter(
          "vigil_received_items_total", "Items a collector handed to the router, by signal.",
          {{"component", spec_.identity.id},
           {"signal", std::string(core::to_string(config_->signal))}})),
      dropped_shutdown_(context.metrics->dropped_items(spec_.identity.id, "shutdown")),
      id_salt_(static_cast<std::uint64_t>(context.clock->unix_nanos())) {}

DummyCollector::~DummyCollector() { stop_listening(); }

core::Result<void> DummyCollector::start() {
  if (running_) return {};
  running_ = true;
  started_unix_nanos_ = context_.clock->unix_nanos();
  generated_ = 0;
  epoch_ = context_.clock->monotonic();
  epoch_records_ = 0;
  space_listener_ = context_.router->add_space_listener([this] {
    if (running_ && pending_) offer_pending();
  });
  schedule_next();
  return {};
}

void DummyCollector::stop(std::function<void()> done) {
  running_ = false;
  timer_.reset();
  stop_listening();
  // Space may have been freed without the notification having run yet: one last try.
  if (pending_) offer_pending();
  if (pending_) {
    // Generated records are not worth holding the shutdown for: count them and let go.
    dropped_shutdown_.add(pending_->items);
    if (context_.logger) {
      context_.logger->info(spec_.identity.id, "stopped with a blocked batch: dropped {} items",
                            pending_->items);
    }
    pending_.reset();
  }
  if (done) done();
}

void DummyCollector::stop_listening() {
  if (space_listener_ != 0) context_.router->remove_space_listener(space_listener_);
  space_listener_ = 0;
}

std::uint64_t DummyCollector::next_batch_records() const {
  if (config_->count == 0) return config_->batch_size;
  if (generated_ >= config_->count) return 0;
  return std::min(config_->batch_size, config_->count - generated_);
}

core::Duration DummyCollector::delay_for(std::uint64_t records) {
  if (config_->rate == 0) return core::Duration::zero();
  const core::MonoTime now = context_.clock->monotonic();
  core::MonoTime due =
      epoch_ + core::Duration(nanos_for(epoch_records_ + records - 1, config_->rate));
  // Behind schedule after a blocked batch (or a long stall): start pacing afresh with this
  // batch due now, rather than catching up in a burst the queue just said it cannot take.
  if (due < now && (resume_epoch_ || now - due > kMaxLag)) {
    epoch_ = now - core::Duration(nanos_for(records - 1, config_->rate));
    epoch_records_ = 0;
    due = now;
  }
  resume_epoch_ = false;
  return std::max(core::Duration::zero(), due - now);
}

void DummyCollector::schedule_next() {
  if (!running_ || pending_) return;
  const std::uint64_t records = next_batch_records();
  if (records == 0) {
    if (context_.logger) {
      context_.logger->info(spec_.identity.id, "generated {} records (count): stopped generating",
                            generated_);
    }
    return;
  }
  timer_ = context_.scheduler->schedule(delay_for(records), [this] { generate(); });
}

void DummyCollector::generate() {
  if (!running_ || pending_) return;
  const std::uint64_t records = next_batch_records();
  if (records == 0) return;

  DummyBatchInput input;
  input.first_seq = next_seq_.value();
  input.records = records;
  input.generated_before = generated_;
  input.now_unix_nanos = context_.clock->unix_nanos();
  input.spacing_nanos =
      config_->rate == 0
          ? 1
          : std::max<std::int64_t>(1, kNanosPerSecond / static_cast<std::int64_t>(config_->rate));
  input.start_unix_nanos = started_unix_nanos_;
  input.id_salt = id_salt_;
  auto built = build_dummy_payload(*config_, input, *context_.resource);
  next_seq_.add(records);
  generated_ += records;
  epoch_records_ += records;

  auto batch = std::make_shared<core::Batch>();
  batch->signal = config_->signal;
  batch->payload = std::move(built.payload);
  batch->items = built.items;
  batch->source = spec_.identity.id;
  pending_ = Pending{std::move(batch), built.items};
  offer_pending();
}

void DummyCollector::offer_pending() {
  // Generated records can be made again, so their acknowledgement has nothing to advance.
  auto result = context_.router->offer(pending_->batch, [](const core::AckOutcome&) {});
  if (result == core::OfferResult::kBlocked) {
    resume_epoch_ = true;
    return;  // the space listener offers it again
  }
  received_items_.add(pending_->items);
  pending_.reset();
  schedule_next();
}

app::CollectorFactory dummy_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "dummy";
  factory.description = "generates log records, spans or metric points (tests, demos, benchmarks)";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_dummy_config(reader);
  };
  factory.create =
      [](const app::CollectorSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Collector>> {
    if (context.router == nullptr || context.metrics == nullptr || context.clock == nullptr ||
        context.scheduler == nullptr || context.resource == nullptr) {
      return core::make_error(spec.identity.id +
                              ": needs a router, metrics, a clock, a scheduler and a resource");
    }
    std::shared_ptr<const DummyConfig> config = std::make_shared<DummyConfig>();
    if (spec.config != nullptr) {
      config = std::dynamic_pointer_cast<const DummyConfig>(spec.config);
      if (config == nullptr) return core::make_error(spec.identity.id + ": not a dummy config");
    }
    return std::make_unique<DummyCollector>(spec, std::move(config), context);
  };
  return factory;
}

}  // namespace vigil::collectors::dummy
