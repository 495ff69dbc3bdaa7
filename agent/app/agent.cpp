#include "agent/app/agent.h"

#include <optional>

#include <fmt/format.h>

#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "vigil/default_config.h"

namespace vigil::app {

namespace {
constexpr std::string_view kLog = "agent";
}

core::Result<config::LoadedConfig> load_config(const ConfigSource& source,
                                               const ComponentRegistry& registry,
                                               const config::LoadOptions& options) {
  if (source.path.empty()) {
    return config::load_config_text(kDefaultConfig, "agent.toml.example", registry, options);
  }
  return config::load_config_file(source.path, registry, options);
}

Agent::Agent(Deps deps)
    : deps_(std::move(deps)),
      scheduler_(deps_.loop),
      http_client_(std::make_unique<net::HttpClient>(deps_.loop, *deps_.logger)),
      graveyard_timer_(deps_.loop) {}

template <typename T>
void Agent::retire(std::unique_ptr<T> object) {
  if (!object) return;
  graveyard_.push_back(std::shared_ptr<void>(std::move(object)));
  graveyard_timer_.start(core::Duration::zero(), [this] { graveyard_.clear(); });
}

Agent::~Agent() {
  graveyard_.clear();
  pending_.reset();
  retiring_.reset();
  pipeline_.reset();
  if (api_) api_->close();
}

PipelineDeps Agent::pipeline_deps() {
  PipelineDeps d;
  d.loop = deps_.loop;
  d.registry = deps_.registry;
  d.metrics = deps_.metrics;
  d.logger = deps_.logger;
  d.clock = deps_.clock;
  d.random = deps_.random;
  d.scheduler = &scheduler_;
  d.http_client = http_client_.get();
  d.proc_root = deps_.proc_root;
  return d;
}

void Agent::apply_logging(const config::AgentConfig& agent) {
  if (auto level = telemetry::parse_log_level(agent.log_level)) deps_.logger->set_level(*level);
  if (auto format = telemetry::parse_log_format(agent.log_format)) {
    deps_.logger->set_format(*format);
  }
}

core::Result<void> Agent::start_api(const config::ApiConfig& api) {
  api_config_ = api;
  if (!api.enabled) return {};
  api_ = std::make_unique<SelfApi>(
      deps_.loop, api.listen, *deps_.metrics, *deps_.logger,
      SelfApi::Hooks{
          [this] { return ready(); },
          [this] { return pipeline_ ? pipeline_->status_json() : std::string("null"); }});
  if (auto r = api_->start(); !r) {
    api_.reset();
    return core::make_error("agent.api.listen: " + r.error().message);
  }
  return {};
}

core::Result<std::unique_ptr<Pipeline>> Agent::start_pipeline(const config::LoadedConfig& config) {
  auto pipeline = Pipeline::build(config, pipeline_deps());
  if (!pipeline) return std::unexpected(pipeline.error());
  if (auto r = (*pipeline)->start(); !r) return std::unexpected(r.error());
  return pipeline;
}

core::Result<void> Agent::start(config::LoadedConfig config) {
  apply_logging(config.agent);
  if (auto r = start_api(config.agent.api); !r) return r;
  auto pipeline = start_pipeline(config);
  if (!pipeline) return std::unexpected(pipeline.error());
  pipeline_ = std::move(*pipeline);
  deps_.logger->info(kLog, "vigil started with {}", deps_.source.display_name());
  return {};
}

bool Agent::ready() const { return pipeline_ && pipeline_->started() && !shutting_down_; }

void Agent::reload() {
  if (shutting_down_) return;
  if (reloading_) {
    reload_again_ = true;  // a SIGHUP during a reload: reload once more afterwards
    return;
  }
  deps_.logger->info(kLog, "SIGHUP: reloading {}", deps_.source.display_name());
  auto loaded = load_config(deps_.source, *deps_.registry, deps_.load_options);
  if (!loaded) {
    count_reload(false);
    deps_.logger->error(kLog, "reload failed, keeping the running configuration:\n{}",
                        loaded.error().message);
    return;
  }
  auto next = Pipeline::build(*loaded, pipeline_deps());
  if (!next) {
    count_reload(false);
    deps_.logger->error(kLog, "reload failed, keeping the running configuration: {}",
                        next.error().message);
    return;
  }
  // The old generation's listeners must close before the new one binds the same ports, so it
  // drains first; if the new one then fails to start, the old configuration starts again.
  reloading_ = true;
  pending_ = std::move(*next);
  retiring_ = std::move(pipeline_);
  if (!retiring_) {
    finish_reload();
    return;
  }
  retiring_->drain(retiring_->config().agent.shutdown_timeout,
                   [this](DrainReport) { finish_reload(); });
}

void Agent::finish_reload() {
  std::optional<config::LoadedConfig> previous;
  if (retiring_) previous = retiring_->config();
  if (auto started = pending_->start(); started) {
    pipeline_ = std::move(pending_);
    apply_logging(pipeline_->config().agent);
    if (!(pipeline_->config().agent.api.listen == api_config_.listen &&
          pipeline_->config().agent.api.enabled == api_config_.enabled)) {
      if (api_) api_->close();
      retire(std::move(api_));
      if (auto r = start_api(pipeline_->config().agent.api); !r) {
        deps_.logger->error(kLog, "reload: {}; the self API is off until the next reload",
                            r.error().message);
      }
    }
    count_reload(true);
    deps_.logger->info(kLog, "reloaded {}", deps_.source.display_name());
  } else {
    count_reload(false);
    deps_.logger->error(kLog, "reload failed: {}; restarting the previous configuration",
                        started.error().message);
    retire(std::move(pending_));
    if (previous) {
      auto again = start_pipeline(*previous);
      if (again) {
        pipeline_ = std::move(*again);
      } else {
        deps_.logger->error(kLog, "the previous configuration failed to start again: {}",
                            again.error().message);
      }
    }
  }
  // Not destroyed here: this runs inside the old generation's own callbacks.
  retire(std::move(retiring_));
  reloading_ = false;
  if (reload_again_) {
    reload_again_ = false;
    reload();
  }
}

void Agent::count_reload(bool ok) {
  deps_.metrics
      ->counter("vigil_config_reloads_total", "Configuration reloads (SIGHUP), by result.",
                {{"result", ok ? "success" : "failure"}})
      .add();
}

void Agent::shutdown(std::function<void(int)> done) {
  if (shutting_down_) return;
  shutting_down_ = true;
  deps_.logger->info(kLog, "shutting down: draining queues");
  if (!pipeline_) {
    if (api_) api_->close();
    done(0);
    return;
  }
  pipeline_->drain(pipeline_->config().agent.shutdown_timeout, [this, done = std::move(done)](
                                                                   DrainReport report) {
    if (report.completed) {
      deps_.logger->info(kLog, "drained; exiting");
    } else {
      deps_.logger->warn(kLog, "shutdown timeout reached with {} item(s) undelivered",
                         report.abandoned_items);
    }
    http_client_->cancel_all();
    if (api_) api_->close();
    done(0);
  });
}

}  // namespace vigil::app
