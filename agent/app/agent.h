#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "agent/app/component.h"
#include "agent/app/pipeline.h"
#include "agent/app/self_api.h"
#include "agent/config/config_loader.h"
#include "agent/net/http_client.h"
#include "agent/net/uv_scheduler.h"

namespace vigil::app {

// Where the configuration comes from: a file, or (empty path) the default built into the
// binary (agent.toml.example).
struct ConfigSource {
  std::string path;
  std::string display_name() const { return path.empty() ? "<embedded agent.toml.example>" : path; }
};

core::Result<config::LoadedConfig> load_config(const ConfigSource& source,
                                               const ComponentRegistry& registry,
                                               const config::LoadOptions& options);

// The running agent: the self API, the shared HTTP client, and the current Pipeline.
// SIGHUP -> reload(): a new configuration that does not load, build or start is logged and
// the running one stays. SIGTERM -> shutdown(): drain within agent.shutdown_timeout.
class Agent {
 public:
  struct Deps {
    uv_loop_t* loop = nullptr;
    const ComponentRegistry* registry = nullptr;
    const core::Clock* clock = nullptr;
    core::Random* random = nullptr;
    telemetry::Logger* logger = nullptr;
    telemetry::MetricsRegistry* metrics = nullptr;
    config::LoadOptions load_options;
    ConfigSource source;
    std::string proc_root = "/proc";
  };

  explicit Agent(Deps deps);
  ~Agent();

  core::Result<void> start(config::LoadedConfig config);
  void reload();
  // `done` receives the process exit code.
  void shutdown(std::function<void(int)> done);
  bool ready() const;

 private:
  core::Result<void> start_api(const config::ApiConfig& api);
  core::Result<std::unique_ptr<Pipeline>> start_pipeline(const config::LoadedConfig& config);
  void apply_logging(const config::AgentConfig& agent);
  PipelineDeps pipeline_deps();
  void finish_reload();
  void count_reload(bool ok);
  // Destroys `object` on the next loop iteration (it may be running the current callback).
  template <typename T>
  void retire(std::unique_ptr<T> object);

  Deps deps_;
  net::UvScheduler scheduler_;
  std::unique_ptr<net::HttpClient> http_client_;
  std::unique_ptr<SelfApi> api_;
  config::ApiConfig api_config_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Pipeline> retiring_;  // the old generation while it drains
  std::unique_ptr<Pipeline> pending_;   // the new generation, built, not yet started
  std::vector<std::shared_ptr<void>> graveyard_;
  net::UvTimer graveyard_timer_;
  bool reloading_ = false;
  bool reload_again_ = false;
  bool shutting_down_ = false;
};

}  // namespace vigil::app
