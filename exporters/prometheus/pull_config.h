#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/app/component.h"
#include "agent/core/clock.h"

namespace vigil::exporters::prometheus {

inline constexpr std::string_view kDefaultPullListen = "127.0.0.1:9464";
inline constexpr std::int64_t kDefaultMaxSeries = 100'000;

// [exporters.prometheus]: the pull endpoint (README.md "Pull endpoint").
struct PullConfig final : app::ComponentConfig {
  std::string listen{kDefaultPullListen};
  // Series not updated for this long are no longer served.
  core::Duration staleness = std::chrono::minutes(5);
  // Write each sample's timestamp (the time the point was measured).
  bool send_timestamps = false;
  // New series beyond this many are refused and counted; 0 = no bound.
  std::int64_t max_series = kDefaultMaxSeries;
  // Translation (PROM_TRANSLATION_API / README "Translation"): node_exporter names for host
  // metrics, target_info, job/instance labels, otel_scope_* labels.
  bool node_exporter_names = true;
  bool target_info = true;
  bool job_instance_labels = true;
  bool scope_labels = true;

  std::string key_path = "exporters.prometheus";  // for listen_addresses()

  std::vector<std::pair<std::string, std::string>> listen_addresses() const override;
};

// Reads the keys above; bad values are reported to the reader.
std::shared_ptr<const PullConfig> parse_pull_config(config::ConfigReader& reader);

}  // namespace vigil::exporters::prometheus
