#include "agent/config/agent_config.h"

#include <fmt/format.h>

#include "agent/config/quote.h"
#include "agent/config/units.h"

namespace vigil::config {

namespace {

constexpr std::uint64_t kMinMemoryBuffer = 64ull << 10;
constexpr std::uint64_t kMinDiskBuffer = 1ull << 20;

}  // namespace

AgentConfig parse_agent_config(ConfigReader& agent, std::string_view system_hostname) {
  AgentConfig config;
  config.hostname = agent.string("hostname", system_hostname);
  if (config.hostname.empty()) {
    agent.error("hostname", agent.has("hostname")
                                ? "must not be empty"
                                : "the system host name is unknown; set agent.hostname");
  }
  config.data_dir = agent.string("data_dir", config.data_dir);
  // A relative directory would depend on wherever the service manager started the agent.
  if (!config.data_dir.starts_with('/')) {
    agent.error("data_dir", "must be an absolute path, got " + quote(config.data_dir));
  }
  config.log_level =
      agent.one_of("log_level", config.log_level, {"debug", "info", "warn", "error"});
  config.log_format = agent.one_of("log_format", config.log_format, {"text", "json"});
  config.shutdown_timeout = agent.duration("shutdown_timeout", config.shutdown_timeout,
                                           std::chrono::seconds(1), std::chrono::minutes(10));
  config.resource = agent.string_map("resource");
  ConfigReader& api = agent.table("api");
  config.api.enabled = api.boolean("enabled", config.api.enabled);
  config.api.listen = api.listen_address("listen", config.api.listen);
  return config;
}

BufferConfig parse_buffer_config(ConfigReader& buffer, const BufferConfig& defaults) {
  BufferConfig config = defaults;
  config.type = buffer.one_of("type", defaults.type, {"memory", "disk"});
  if (config.type == "disk") {
    buffer.error("type",
                 "\"disk\" is not available in this build yet (the disk queue is not "
                 "implemented); use \"memory\"");
    config.type = "memory";
  }
  config.max_memory = buffer.size("max_memory", defaults.max_memory, kMinMemoryBuffer);
  config.max_disk = buffer.size("max_disk", defaults.max_disk, kMinDiskBuffer);
  const std::string when_full = buffer.one_of("when_full", core::to_string(defaults.when_full),
                                              {"block", "drop_newest", "drop_oldest"});
  for (auto w :
       {core::WhenFull::kBlock, core::WhenFull::kDropNewest, core::WhenFull::kDropOldest}) {
    if (core::to_string(w) == when_full) config.when_full = w;
  }
  return config;
}

core::RetryConfig parse_retry_config(ConfigReader& retry) {
  core::RetryConfig config;
  // Below a millisecond a failing backend would be hammered; above an hour nothing gets
  // delivered in any useful time.
  constexpr core::Duration kMinInterval = std::chrono::milliseconds(1);
  constexpr core::Duration kMaxInterval = std::chrono::hours(1);
  config.enabled = retry.boolean("enabled", config.enabled);
  config.initial_interval =
      retry.duration("initial_interval", config.initial_interval, kMinInterval, kMaxInterval);
  config.max_interval =
      retry.duration("max_interval", config.max_interval, kMinInterval, kMaxInterval);
  config.multiplier = retry.number("multiplier", config.multiplier, 1.0, 10.0);
  config.max_elapsed_time = retry.duration("max_elapsed_time", config.max_elapsed_time);
  if (config.initial_interval > config.max_interval) {
    retry.error("initial_interval", fmt::format("must not exceed max_interval ({}), got {}",
                                                format_duration(config.max_interval),
                                                format_duration(config.initial_interval)));
  }
  return config;
}

}  // namespace vigil::config
