#include "collectors/host/host_collector.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "agent/telemetry/logger.h"

namespace vigil::collectors::host {

namespace {

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
          {{"component", spec_.identity.id}})),
      ticker_(*context.clock, *context.scheduler, config_.interval,
              [this](std::int64_t boundary) { begin_scrape(boundary); }) {
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
  ticker_.start();
  return {};
}

void HostCollector::stop(std::function<void()> done) {
  ticker_.stop();
  // A scrape waiting for statvfs answers is finished now with what it has: its batch is the
  // last this collector hands over.
  if (scraping_) finish_scrape();
  if (done) done();
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
}

void HostCollector::finish_scrape() {
  if (!scraping_) return;
  scraping_ = false;
  timeout_timer_.reset();
  collect_answers();
  if (prober_ != nullptr) stuck_calls_.set(static_cast<double>(prober_->stuck_calls()));
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

namespace {

core::Result<std::unique_ptr<app::Collector>> create_host_collector(
    const app::CollectorSpec& spec, const app::ComponentContext& context) {
  const std::shared_ptr<const HostConfig> config =
      spec.config == nullptr ? std::make_shared<const HostConfig>()
                             : std::dynamic_pointer_cast<const HostConfig>(spec.config);
  if (config == nullptr) return core::make_error(spec.identity.id + ": not a host config");
  const std::pair<bool, std::string_view> needs[] = {
      {context.router != nullptr, "a router"},
      {context.metrics != nullptr, "the metrics registry"},
      {context.clock != nullptr, "a clock"},
      {context.scheduler != nullptr, "a scheduler"},
      {context.resource != nullptr, "the agent's resource"},
      // statvfs runs on threads that report back to the loop
      {context.loop != nullptr || !config->enabled("filesystem"),
       "the event loop for its filesystem scraper"},
  };
  for (const auto& [present, what] : needs) {
    if (!present) return core::make_error(fmt::format("{}: needs {}", spec.identity.id, what));
  }
  return std::make_unique<HostCollector>(spec, *config, context, HostScraper::Deps{});
}

}  // namespace

app::CollectorFactory host_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "host";
  factory.description =
      "host metrics (cpu, memory, disk, filesystem, network, load, system, pressure, cgroup) "
      "from /proc and /sys, with node_exporter's names on the Prometheus exporters";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_host_config(reader);
  };
  factory.create = create_host_collector;
  return factory;
}

}  // namespace vigil::collectors::host
