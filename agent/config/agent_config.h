#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "agent/config/config_reader.h"
#include "agent/core/queue.h"
#include "agent/core/retry_policy.h"

namespace vigil::config {

// [agent.api]
struct ApiConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:8686";
};

// [buffer], and every exporter's [exporters.<kind>.buffer] (which starts from [buffer]).
struct BufferConfig {
  std::string type = "memory";  // "memory"; "disk" comes with the disk queue
  std::uint64_t max_memory = 64ull << 20;
  std::uint64_t max_disk = 1ull << 30;
  core::WhenFull when_full = core::WhenFull::kBlock;
};

// [agent] with [agent.resource] and [agent.api]
struct AgentConfig {
  std::string hostname;  // default: the system's host name
  std::string data_dir = "/var/lib/vigil";
  std::string log_level = "info";   // debug | info | warn | error
  std::string log_format = "text";  // text | json
  core::Duration shutdown_timeout = std::chrono::seconds(30);
  std::map<std::string, std::string> resource;
  ApiConfig api;
};

// `system_hostname` is the default for agent.hostname (injected so tests are deterministic).
AgentConfig parse_agent_config(ConfigReader& agent, std::string_view system_hostname);
BufferConfig parse_buffer_config(ConfigReader& buffer, const BufferConfig& defaults);
core::RetryConfig parse_retry_config(ConfigReader& retry);

}  // namespace vigil::config
