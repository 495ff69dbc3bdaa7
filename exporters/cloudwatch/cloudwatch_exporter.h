#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <uv.h>

#include "agent/app/component.h"
#include "agent/aws/credential_provider.h"
#include "agent/aws/region.h"
#include "exporters/cloudwatch/aws_client.h"
#include "exporters/cloudwatch/cloudwatch_config.h"
#include "exporters/cloudwatch/counter_state_file.h"
#include "exporters/cloudwatch/log_delivery.h"
#include "exporters/cloudwatch/metric_translation.h"
#include "exporters/cloudwatch/name_template.h"
#include "exporters/cloudwatch/request_preparation.h"

namespace vigil::telemetry {
class Logger;
class MetricsRegistry;
class Counter;
}  // namespace vigil::telemetry

namespace vigil::exporters::cloudwatch {

struct CloudWatchExporterDeps {
  uv_loop_t* loop = nullptr;  // pool work (compression, encoding, the state file); null = inline
  net::HttpClient* http = nullptr;
  const core::Clock* clock = nullptr;
  core::Scheduler* scheduler = nullptr;
  telemetry::MetricsRegistry* metrics = nullptr;
  telemetry::Logger* logger = nullptr;
};

struct CloudWatchExporterOptions {
  std::string id;  // component id, for logs and metrics
  std::shared_ptr<const CloudWatchConfig> config;
  std::string state_path;    // the counter state file; "" = not persisted
  std::string region;        // "" = ask region_resolver
  KeyValues agent_resource;  // expands the EMF stream template
};

// The CloudWatch exporter (README.md): metrics through PutMetricData (or EMF through
// PutLogEvents), logs through PutLogEvents.
//
// A batch may become several requests. They are sent one after the other; each remembers that
// it was delivered, so when one is throttled and the pump retries the batch, only the requests
// not yet delivered go again (a resent PutMetricData would count a delta twice). Requests that
// fail for good are logged with AWS's message and their items counted as rejected, while the
// others still go; a batch all of whose requests fail is a permanent error.
class CloudWatchExporter final : public app::Exporter {
 public:
  CloudWatchExporter(CloudWatchExporterOptions options, CloudWatchExporterDeps deps,
                     std::unique_ptr<aws::CredentialProvider> credentials,
                     std::unique_ptr<aws::RegionResolver> region_resolver);
  ~CloudWatchExporter() override;
  CloudWatchExporter(const CloudWatchExporter&) = delete;
  CloudWatchExporter& operator=(const CloudWatchExporter&) = delete;

  // Loads the counter state and starts saving it; resolves the region when not configured.
  core::Result<void> start() override;
  // Saves the counter state (synchronously: the agent is stopping).
  void stop() override;
  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;

  struct Work;

 private:
  void resolve_region();
  bool ready(std::string& why);
  void prepare(const std::shared_ptr<Work>& work, const core::Batch& batch);
  void prepared(const std::shared_ptr<Work>& work,
                core::Result<std::vector<PreparedRequest>> requests, const LogBatchStats& stats);
  void run_next(const std::shared_ptr<Work>& work);
  void settle_request(const std::shared_ptr<Work>& work, std::size_t index, bool ok,
                      std::uint64_t rejected, const std::string& reason);
  void finish(const std::shared_ptr<Work>& work);
  std::shared_ptr<Work> find_or_add(const core::Batch& batch);
  void forget(const std::shared_ptr<Work>& work);
  void count_translation(const TranslationStats& stats);
  void count_logs(const LogBatchStats& stats);
  void schedule_save();

  CloudWatchExporterOptions options_;
  const CloudWatchConfig& config_;
  CloudWatchExporterDeps deps_;
  std::unique_ptr<aws::CredentialProvider> credentials_;
  std::unique_ptr<aws::RegionResolver> region_resolver_;
  bool resolving_region_ = false;
  std::string region_error_;
  std::unique_ptr<AwsClient> metrics_client_;
  std::unique_ptr<AwsClient> logs_client_;
  std::unique_ptr<LogDelivery> log_delivery_;
  std::shared_ptr<SharedCounterState> counters_;
  std::unique_ptr<MetricTranslator> translator_;
  // Shared with preparation work on the pool, which may outlive this exporter.
  std::shared_ptr<const NameTemplate> log_group_;
  std::shared_ptr<const NameTemplate> log_stream_;
  std::string emf_group_;
  std::string emf_stream_;
  std::deque<std::shared_ptr<Work>> works_;  // batches under way, oldest first
  std::unique_ptr<core::TimerHandle> save_timer_;
  telemetry::Counter* truncated_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The `cloudwatch` kind; accepts metrics and logs.
app::ExporterFactory cloudwatch_exporter_factory();

}  // namespace vigil::exporters::cloudwatch
