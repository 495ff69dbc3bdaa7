#include "exporters/cloudwatch/cloudwatch_exporter.h"

#include <algorithm>
#include <functional>

#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "vigil/version.h"

namespace vigil::exporters::cloudwatch {

namespace {

// How often the counter state is saved when it changed, and stale series forgotten.
constexpr auto kStateSaveInterval = std::chrono::seconds(5);
// Batches remembered while they are retried; older ones (the pump gave up on them) are
// forgotten first.
constexpr std::size_t kMaxRememberedBatches = 128;

NameTemplate must_parse(const std::string& text, NameKind kind) {
  // The config parser has validated the templates; a default stands in should one slip by.
  auto parsed = NameTemplate::parse(text, kind);
  return parsed ? std::move(*parsed) : *NameTemplate::parse("unknown", kind);
}

// Runs `work` on libuv's pool, or at once without a loop; then `done` on the loop.
void off_loop(uv_loop_t* loop, std::function<void()> work, std::function<void()> done) {
  if (loop == nullptr) {
    work();
    done();
    return;
  }
  net::run_in_pool(loop, std::move(work), std::move(done));
}

}  // namespace

struct CloudWatchExporter::Work {
  // Identifies the batch while it is retried: the object, its bytes and their hash (a batch the
  // pump gave up on may be freed and another allocated at the same address).
  const core::Batch* batch = nullptr;
  const char* data = nullptr;
  std::size_t size = 0;
  std::size_t hash = 0;
  core::Signal signal = core::Signal::kMetrics;
  std::uint64_t batch_items = 0;

  bool prepared = false;
  std::vector<PreparedRequest> requests;
  std::vector<bool> settled;
  std::vector<SeriesUpdate> updates;  // counter points to commit once settled
  std::uint64_t rejected = 0;         // events CloudWatch refused, items of failed requests
  std::size_t failed_requests = 0;
  std::string failure;                         // the first permanent failure, AWS's words
  std::function<void(core::SendResult)> done;  // the send() under way
};

CloudWatchExporter::CloudWatchExporter(CloudWatchExporterOptions options,
                                       CloudWatchExporterDeps deps,
                                       std::unique_ptr<aws::CredentialProvider> credentials,
                                       std::unique_ptr<aws::RegionResolver> region_resolver)
    : options_(std::move(options)),
      config_(*options_.config),
      deps_(deps),
      credentials_(std::move(credentials)),
      region_resolver_(std::move(region_resolver)),
      log_group_(
          std::make_shared<NameTemplate>(must_parse(config_.log_group, NameKind::kLogGroup))),
      log_stream_(
          std::make_shared<NameTemplate>(must_parse(config_.log_stream, NameKind::kLogStream))) {
  counters_ = acquire_counter_state(options_.state_path, config_.counter_reset_after);
  translator_ = std::make_unique<MetricTranslator>(config_.translation, counters_->state);
  const KeyValues none;
  emf_group_ =
      must_parse(config_.emf_log_group, NameKind::kLogGroup).expand(options_.agent_resource, none);
  emf_stream_ = must_parse(config_.emf_log_stream, NameKind::kLogStream)
                    .expand(options_.agent_resource, none);
  truncated_ = &deps_.metrics->counter(
      "vigil_cloudwatch_truncated_log_events_total",
      "Log events cut to CloudWatch Logs' maximum event size (256 KiB with overhead).",
      {{"component", options_.id}});
}

CloudWatchExporter::~CloudWatchExporter() { *alive_ = false; }

core::Result<void> CloudWatchExporter::start() {
  const std::int64_t now = deps_.clock->unix_nanos();
  if (auto loaded = load_counter_state(*counters_, now); !loaded) {
    // Not fatal: deltas start from new baselines, as on a first start.
    deps_.logger->warn(options_.id, "counter state not loaded: {}", loaded.error().message);
  } else if (*loaded > 0) {
    deps_.logger->info(options_.id, "counter state: {} series from {}", *loaded,
                       options_.state_path);
  }
  if (!options_.region.empty()) {
    std::string why;
    ready(why);
  } else {
    resolve_region();
  }
  schedule_save();
  return {};
}

void CloudWatchExporter::stop() {
  save_timer_.reset();
  save_counter_state(*counters_, nullptr, [this](core::Result<void> saved) {
    if (!saved)
      deps_.logger->warn(options_.id, "counter state not saved: {}", saved.error().message);
  });
}

void CloudWatchExporter::schedule_save() {
  save_timer_ = deps_.scheduler->schedule(kStateSaveInterval, [this, alive = alive_] {
    if (!*alive) return;
    const std::int64_t now = deps_.clock->unix_nanos();
    counters_->state.expire(now);
    translator_->expire(now);
    save_counter_state(*counters_, deps_.loop, [this, alive](core::Result<void> saved) {
      if (*alive && !saved) {
        deps_.logger->warn(options_.id, "counter state not saved: {}", saved.error().message);
      }
    });
    schedule_save();
  });
}

void CloudWatchExporter::resolve_region() {
  if (resolving_region_ || region_resolver_ == nullptr) return;
  resolving_region_ = true;
  region_resolver_->resolve([this, alive = alive_](core::Result<aws::RegionChoice> choice) {
    if (!*alive) return;
    resolving_region_ = false;
    if (!choice) {
      region_error_ = choice.error().message;
      deps_.logger->warn(options_.id, "AWS region unknown: {}", region_error_);
      return;
    }
    deps_.logger->info(options_.id, "AWS region {} (from {})", choice->region, choice->source);
    options_.region = choice->region;
    std::string why;
    ready(why);
  });
}

bool CloudWatchExporter::ready(std::string& why) {
  if (metrics_client_ != nullptr) return true;
  if (options_.region.empty()) {
    resolve_region();
    why = "the AWS region is not known yet" +
          (region_error_.empty() ? std::string() : ": " + region_error_);
    return false;
  }
  const std::string user_agent = std::string("vigil/") + kVersion;
  AwsClientOptions metrics;
  metrics.service = {
      aws_endpoint("monitoring", options_.region,
                   config_.metrics_endpoint.empty() ? config_.endpoint : config_.metrics_endpoint),
      "monitoring", AwsProtocol::kQuery, ""};
  metrics.region = options_.region;
  metrics.timeout = config_.timeout;
  metrics.user_agent = user_agent;
  AwsClientOptions logs = metrics;
  logs.service = {
      aws_endpoint("logs", options_.region,
                   config_.logs_endpoint.empty() ? config_.endpoint : config_.logs_endpoint),
      "logs", AwsProtocol::kJson, "Logs_20140328"};
  metrics_client_ = std::make_unique<AwsClient>(metrics, *deps_.http, *credentials_, *deps_.clock);
  logs_client_ = std::make_unique<AwsClient>(logs, *deps_.http, *credentials_, *deps_.clock);
  log_delivery_ = std::make_unique<LogDelivery>(
      LogDeliveryOptions{options_.id, config_.create_log_group, config_.retention_days},
      *logs_client_, deps_.logger);
  return true;
}

std::shared_ptr<CloudWatchExporter::Work> CloudWatchExporter::find_or_add(
    const core::Batch& batch) {
  const std::size_t hash = std::hash<std::string_view>{}(batch.payload);
  for (const auto& w : works_) {
    if (w->batch == &batch && w->data == batch.payload.data() && w->size == batch.payload.size() &&
        w->hash == hash) {
      return w;
    }
  }
  auto work = std::make_shared<Work>();
  work->batch = &batch;
  work->data = batch.payload.data();
  work->size = batch.payload.size();
  work->hash = hash;
  work->signal = batch.signal;
  work->batch_items = batch.items;
  // Forget the oldest batches that are not being sent: the pump gave up on them.
  for (auto it = works_.begin(); works_.size() >= kMaxRememberedBatches && it != works_.end();) {
    it = (*it)->done ? std::next(it) : works_.erase(it);
  }
  works_.push_back(work);
  return work;
}

void CloudWatchExporter::forget(const std::shared_ptr<Work>& work) { std::erase(works_, work); }

void CloudWatchExporter::send(const core::Batch& batch,
                              std::function<void(core::SendResult)> done) {
  if (batch.signal == core::Signal::kTraces) {
    done(core::SendResult::permanent("CloudWatch takes metrics and logs, not traces"));
    return;
  }
  std::string why;
  if (!ready(why)) {
    done(core::SendResult::retryable(why));
    return;
  }
  auto work = find_or_add(batch);
  work->done = std::move(done);
  if (!work->prepared) {
    prepare(work, batch);
    return;
  }
  run_next(work);
}

void CloudWatchExporter::prepare(const std::shared_ptr<Work>& work, const core::Batch& batch) {
  const std::int64_t now = deps_.clock->unix_nanos();
  auto requests = std::make_shared<core::Result<std::vector<PreparedRequest>>>();
  auto stats = std::make_shared<LogBatchStats>();
  auto finish_preparing = [this, alive = alive_, work, requests, stats] {
    if (*alive) prepared(work, std::move(*requests), *stats);
  };
  if (batch.signal == core::Signal::kLogs) {
    // The batch may be gone before the pool runs (the exporter destroyed meanwhile): a copy.
    auto payload = std::make_shared<std::string>(batch.payload);
    const LogRequestOptions options{log_group_.get(), log_stream_.get(), config_.log_format};
    off_loop(
        deps_.loop,
        [payload, options, group = log_group_, stream = log_stream_, now, requests, stats] {
          *requests = prepare_log_requests(*payload, options, now, *stats);
        },
        std::move(finish_preparing));
    return;
  }
  // Counter state is the loop's: translate here, encode and compress on the pool.
  auto translation = translator_->translate(batch.payload, now);
  if (!translation) {
    *requests = std::unexpected(translation.error());
    finish_preparing();
    return;
  }
  count_translation(translation->stats);
  work->updates = std::move(translation->updates);
  auto datums = std::make_shared<std::vector<MetricDatum>>(std::move(translation->datums));
  auto options = std::make_shared<MetricRequestOptions>(
      MetricRequestOptions{config_.namespace_name, config_.metrics_mode == MetricsMode::kEmf,
                           config_.gzip, emf_group_, emf_stream_});
  off_loop(
      deps_.loop,
      [datums, options, requests, stats] {
        *requests = prepare_metric_requests(*datums, *options, *stats);
      },
      std::move(finish_preparing));
}

void CloudWatchExporter::prepared(const std::shared_ptr<Work>& work,
                                  core::Result<std::vector<PreparedRequest>> requests,
                                  const LogBatchStats& stats) {
  count_logs(stats);
  if (!requests) {
    forget(work);
    auto done = std::exchange(work->done, nullptr);
    if (done) done(core::SendResult::permanent(requests.error().message));
    return;
  }
  work->requests = std::move(*requests);
  work->settled.assign(work->requests.size(), false);
  work->prepared = true;
  run_next(work);
}

void CloudWatchExporter::run_next(const std::shared_ptr<Work>& work) {
  const auto next = std::find(work->settled.begin(), work->settled.end(), false);
  if (next == work->settled.end()) {
    finish(work);
    return;
  }
  const auto index = static_cast<std::size_t>(next - work->settled.begin());
  const PreparedRequest& request = work->requests[index];
  if (request.kind == PreparedRequest::Kind::kPutLogEvents) {
    log_delivery_->put(request.log, [this, alive = alive_, work, index](LogOutcome outcome) {
      if (!*alive) return;
      if (outcome.status == LogOutcome::Status::kRetryable) {
        if (auto done = std::exchange(work->done, nullptr)) {
          done(core::SendResult::retryable(outcome.reason));
        }
        return;
      }
      settle_request(work, index, outcome.status == LogOutcome::Status::kOk, outcome.rejected,
                     outcome.reason);
    });
    return;
  }
  AwsCall call;
  call.operation = "PutMetricData";
  call.body = request.body;
  if (request.gzip) call.content_encoding = "gzip";
  metrics_client_->call(std::move(call), [this, alive = alive_, work, index](AwsAnswer answer) {
    if (!*alive) return;
    if (answer.verdict == AwsVerdict::kRetryable) {
      if (auto done = std::exchange(work->done, nullptr)) {
        done(core::SendResult::retryable(answer.describe("PutMetricData")));
      }
      return;
    }
    settle_request(work, index, answer.verdict == AwsVerdict::kOk, 0,
                   answer.describe("PutMetricData"));
  });
}

void CloudWatchExporter::settle_request(const std::shared_ptr<Work>& work, std::size_t index,
                                        bool ok, std::uint64_t rejected,
                                        const std::string& reason) {
  work->settled[index] = true;
  const PreparedRequest& request = work->requests[index];
  if (ok) {
    work->rejected += rejected;
    if (rejected > 0) {
      deps_.logger->warn(options_.id,
                         "CloudWatch Logs rejected {} of {} events for {}/{} (too old, "
                         "too new or expired)",
                         rejected, request.items, request.log->group, request.log->stream);
    }
  } else {
    work->rejected += request.items;
    ++work->failed_requests;
    if (work->failure.empty()) work->failure = reason;
    deps_.logger->warn(
        options_.id, "dropped a request of {} {}: {}", request.items,
        request.kind == PreparedRequest::Kind::kPutLogEvents ? "log events" : "datums", reason);
  }
  run_next(work);
}

void CloudWatchExporter::finish(const std::shared_ptr<Work>& work) {
  forget(work);
  // Delivered or dropped for good: the counter points it carried are settled.
  counters_->state.commit(work->updates);
  auto done = std::exchange(work->done, nullptr);
  if (!done) return;
  if (!work->requests.empty() && work->failed_requests == work->requests.size()) {
    done(core::SendResult::permanent(work->failure));
    return;
  }
  core::SendResult result = core::SendResult::ok();
  result.rejected_items = std::min(work->rejected, work->batch_items);
  done(std::move(result));
}

void CloudWatchExporter::count_translation(const TranslationStats& stats) {
  auto& m = *deps_.metrics;
  if (stats.duplicates > 0) m.dropped_items(options_.id, "out_of_order").add(stats.duplicates);
  if (stats.invalid > 0) m.dropped_items(options_.id, "invalid_value").add(stats.invalid);
  if (stats.too_old > 0) m.dropped_items(options_.id, "too_old").add(stats.too_old);
  if (stats.too_new > 0) m.dropped_items(options_.id, "too_new").add(stats.too_new);
  const std::uint64_t dropped = stats.duplicates + stats.invalid + stats.too_old + stats.too_new;
  if (dropped > 0) {
    deps_.logger->warn(options_.id,
                       "dropped {} metric points CloudWatch cannot take ({} not newer than their "
                       "series' last point, {} NaN/infinite/out of range, {} older than 14 days, "
                       "{} more than 2 hours ahead)",
                       dropped, stats.duplicates, stats.invalid, stats.too_old, stats.too_new);
  }
  if (stats.dimensions_cut > 0) {
    deps_.logger->warn(options_.id, "{} points had more than 30 dimensions; the last were left out",
                       stats.dimensions_cut);
  }
}

void CloudWatchExporter::count_logs(const LogBatchStats& stats) {
  if (stats.truncated > 0) {
    truncated_->add(stats.truncated);
    deps_.logger->warn(options_.id, "{} log events longer than CloudWatch's limit were truncated",
                       stats.truncated);
  }
  if (stats.empty > 0) {
    deps_.metrics->dropped_items(options_.id, "empty_message").add(stats.empty);
    deps_.logger->warn(options_.id, "dropped {} empty log events (CloudWatch needs 1 byte)",
                       stats.empty);
  }
}

}  // namespace vigil::exporters::cloudwatch
