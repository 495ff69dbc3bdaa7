#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/app/component.h"
#include "agent/config/agent_config.h"
#include "agent/config/env_substitution.h"
#include "agent/core/error.h"

namespace vigil::config {

struct LoadedConfig {
  AgentConfig agent;
  BufferConfig buffer;
  std::vector<app::CollectorSpec> collectors;  // in file order
  std::vector<app::ExporterSpec> exporters;    // in file order
  // The configuration in force, defaults included, as TOML; env-derived and secret values are
  // "<redacted>", so it is safe to print (`vigil check`) and log.
  std::string effective_toml;
  // "file:line:col" of every key path present in the file ("agent.api.listen"), for checks
  // made after loading.
  std::map<std::string, std::string> locations;
};

struct LoadOptions {
  EnvLookup env;                // null: no variable is set
  std::string system_hostname;  // default of agent.hostname
};

// Substitutes the environment, parses, and validates a whole configuration against the
// component kinds of `registry`. On failure the error message holds every problem found, one
// per line, in file order, each "file:line:col: key.path: message".
core::Result<LoadedConfig> load_config_text(std::string_view text, std::string_view file_name,
                                            const app::ComponentRegistry& registry,
                                            const LoadOptions& options);

// Reads `path` and loads it; messages name the file as `path` is written.
core::Result<LoadedConfig> load_config_file(const std::string& path,
                                            const app::ComponentRegistry& registry,
                                            const LoadOptions& options);

}  // namespace vigil::config
