#include "collectors/host/host_collector.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "agent/telemetry/logger.h"

namespace vigil::collectors::host {

namespace {

// The latest multiple of `step` at or before `t` (floor division: right for any clock value).
std::int64_t boundary_at_or_before(std::int64_t t, std::int64_t step) {
  const std::int64_t remainder = ((t % step) + step) % step;
  return t - remainder;
}

// The scraper logs through the agent's logger under this collector's id.
HostScraper::Deps with_context(HostScraper::Deps deps, const app::ComponentContext& context,
                               const std::string& id) {
  if (deps.logger == nullptr) deps.logger = context.logger;
  deps.component = id;
  return deps;
}

std::string format_duration(core::Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

HostCollector::HostCollector(app::CollectorSpec spec, HostConfig config,
                             const app::ComponentContext& context, HostScraper::Deps deps)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      context_(context),
      scraper_(config_, *context.resource,
               with_context(std::move(deps), context, spec_.identity.id)),
      received_points_(context.metrics->counter(
          "vigil_received_items_total", "Items a collector handed to the router, by signal.",
          {{"component", spec_.identity.id}, {"signal", "metrics"}})),
      blocked_points_(context.metrics->dropped_items(spec_.identity.id, "blocked")),
      stuck_calls_(context.metrics->gauge(
          "vigil_host_stuck_statvfs_calls",
          "statvfs calls of the host collector that did not return within statvfs_timeout and "
          "have not returned since.",
          {{"component", spec_.identity.id}})) {
  for (const std::string_view name : scraper_.scraper_names()) {
    failure_counters_.push_back(&context.metrics->counter(
        "vigil_host_scrape_failures_total",
        "Scrapes in which a host scraper could not read or parse one of its sources.",
        {{"component", spec_.identity.id}, {"scraper", std::string(name)}}));
  }
  published_failures_.assign(failure_counters_.size(), 0);
  if (scraper_.filesystem() != nullptr && context.loop != nullptr) {
    prober_ = std::make_unique<StatvfsProber>(context.loop, scraper_.statvfs(),
                                              [this] { finish_scrape(); });
  }
}

HostCollector::~HostCollector() = default;

core::Result<void> HostCollector::start() {
  if (running_) return {};
  running_ = true;
  const std::int64_t now = context_.clock->unix_nanos();
  next_tick_unix_nanos_ =
      boundary_at_or_before(now, config_.interval.count()) + config_.interval.count();
  schedule_tick(now);
  return {};
}

void HostCollector::stop(std::function<void()> done) {
  running_ = false;
  tick_timer_.reset();
  // A scrape waiting for statvfs answers is finished now with what it has: its batch is the
  // last this collector hands over.
  if (scraping_) finish_scrape();
  if (done) done();
}

void HostCollector::schedule_tick(std::int64_t now_unix_nanos) {
  const auto delay =
      core::Duration(std::max<std::int64_t>(0, next_tick_unix_nanos_ - now_unix_nanos));
  tick_timer_ = context_.scheduler->schedule(delay, [this] { tick(); });
}

void HostCollector::tick() {
  if (!running_) return;
  const std::int64_t step = config_.interval.count();
  const std::int64_t now = context_.clock->unix_nanos();
  // Points keep the boundary they were scheduled for when the timer fires a little early or
  // late; after a stall or a clock step of more than an interval, the latest boundary, with no
  // catching up.
  std::int64_t t = next_tick_unix_nanos_;
  if (now >= t + step || now + step < t) t = boundary_at_or_before(now, step);
  next_tick_unix_nanos_ = t + step;
  schedule_tick(now);
  begin_scrape(t);
}

void HostCollector::begin_scrape(std::int64_t time_unix_nanos) {
  if (scraping_) finish_scrape();  // the loop stalled past a whole round: close it first
  scraping_ = true;
  scrape_time_ = time_unix_nanos;
  FilesystemScraper* filesystem = scraper_.filesystem();
  if (prober_ == nullptr || !scraper_.refresh_filesystems()) {
    finish_scrape();
    return;
  }
  for (const std::int32_t slot : filesystem->released_slots()) prober_->release(slot);
  for (FilesystemScraper::Mount& mount : filesystem->mounts()) {
    if (mount.excluded) continue;
    if (mount.probe_slot < 0) mount.probe_slot = prober_->acquire();
    if (prober_->stuck(mount.probe_slot)) {
      mount.status = FilesystemScraper::Status::kStuck;
      continue;
    }
    prober_->submit(mount.probe_slot, mount.statvfs_path);
  }
  if (!prober_->start_round()) {
    finish_scrape();
    return;
  }
  timeout_timer_ =
      context_.scheduler->schedule(config_.statvfs_timeout, [this] { on_probe_timeout(); });
}

void HostCollector::on_probe_timeout() {
  if (scraping_) finish_scrape();
}

void HostCollector::collect_answers() {
  if (prober_ == nullptr || !prober_->round_open()) return;
  prober_->end_round();
  for (FilesystemScraper::Mount& mount : scraper_.filesystem()->mounts()) {
    if (mount.excluded || mount.probe_slot < 0 ||
        mount.status != FilesystemScraper::Status::kNotProbed) {
      continue;
    }
    const StatvfsProber::Answer& answer = prober_->answer(mount.probe_slot);
    switch (answer.kind) {
      case StatvfsProber::Answer::Kind::kAnswered:
        FilesystemScraper::set_answer(mount, answer.rc, answer.st);
        break;
      case StatvfsProber::Answer::Kind::kTimedOut:
        mount.status = FilesystemScraper::Status::kTimedOut;
        if (context_.logger != nullptr) {
          context_.logger->warn(spec_.identity.id,
                                "statvfs of {} did not return within {}: reported with "
                                "device_error = 1, and not asked again until it returns",
                                mount.statvfs_path, format_duration(config_.statvfs_timeout));
        }
        break;
      case StatvfsProber::Answer::Kind::kNotStarted:
        break;  // kNotProbed: a device error for this scrape only
    }
  }
  stuck_calls_.set(static_cast<double>(prober_->stuck_calls()));
}

void HostCollector::finish_scrape() {
  if (!scraping_) return;
  scraping_ = false;
  timeout_timer_.reset();
  collect_answers();
  const std::uint64_t points = scraper_.collect(scrape_time_, request_);
  publish_failures();
  if (points > 0) offer(points);
}

void HostCollector::offer(std::uint64_t points) {
  auto batch = std::make_shared<core::Batch>();
  batch->signal = core::Signal::kMetrics;
  batch->payload = request_;
  batch->items = points;
  batch->source = spec_.identity.id;
  // Nothing to advance on acknowledgement: host metrics cannot be replayed (DESIGN.md 4).
  if (context_.router->offer(std::move(batch), nullptr) == core::OfferResult::kBlocked) {
    ++skipped_scrapes_;
    blocked_points_.add(points);
    if (skipped_in_a_row_++ == 0 && context_.logger != nullptr) {
      context_.logger->warn(spec_.identity.id,
                            "a queue is full: skipping scrapes until it has room (this one "
                            "had {} points; counted in vigil_dropped_items_total)",
                            points);
    }
    return;
  }
  received_points_.add(points);
  if (skipped_in_a_row_ > 0) {
    if (context_.logger != nullptr) {
      context_.logger->info(spec_.identity.id, "queues have room again after {} skipped scrapes",
                            skipped_in_a_row_);
    }
    skipped_in_a_row_ = 0;
  }
}

void HostCollector::publish_failures() {
  const auto& failures = scraper_.failures();
  for (std::size_t i = 0; i < failures.size() && i < failure_counters_.size(); ++i) {
    if (failures[i] > published_failures_[i]) {
      failure_counters_[i]->add(failures[i] - published_failures_[i]);
      published_failures_[i] = failures[i];
    }
  }
}

app::CollectorFactory host_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "host";
  factory.description =
      "host metrics (cpu, memory, disk, filesystem, network, load, system, pressure, cgroup) "
      "from /proc and /sys, with node_exporter's names on the Prometheus exporters";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_host_config(reader);
  };
  factory.create =
      [](const app::CollectorSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Collector>> {
    if (context.router == nullptr || context.metrics == nullptr || context.clock == nullptr ||
        context.scheduler == nullptr || context.resource == nullptr) {
      return core::make_error(spec.identity.id +
                              ": needs a router, metrics, a clock, a scheduler and a resource");
    }
    HostConfig config;
    if (spec.config != nullptr) {
      auto parsed = std::dynamic_pointer_cast<const HostConfig>(spec.config);
      if (parsed == nullptr) return core::make_error(spec.identity.id + ": not a host config");
      config = *parsed;
    }
    if (config.enabled("filesystem") && context.loop == nullptr) {
      return core::make_error(spec.identity.id +
                              ": the filesystem scraper needs the event loop (statvfs runs on "
                              "threads that report back to it)");
    }
    return std::make_unique<HostCollector>(spec, std::move(config), context, HostScraper::Deps{});
  };
  return factory;
}

}  // namespace vigil::collectors::host
