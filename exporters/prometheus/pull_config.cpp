#include "exporters/prometheus/pull_config.h"

namespace vigil::exporters::prometheus {

std::vector<std::pair<std::string, std::string>> PullConfig::listen_addresses() const {
  return {{key_path + ".listen", listen}};
}

std::shared_ptr<const PullConfig> parse_pull_config(config::ConfigReader& reader) {
  auto config = std::make_shared<PullConfig>();
  config->key_path = reader.key_path();
  config->listen = reader.listen_address("listen", kDefaultPullListen);
  config->staleness = reader.duration("staleness", config->staleness, std::chrono::seconds(1),
                                      std::chrono::hours(24));
  config->send_timestamps = reader.boolean("send_timestamps", false);
  config->max_series = reader.integer("max_series", kDefaultMaxSeries, 0, 100'000'000);
  config->node_exporter_names = reader.boolean("node_exporter_names", true);
  config->target_info = reader.boolean("target_info", true);
  config->job_instance_labels = reader.boolean("job_instance_labels", true);
  config->scope_labels = reader.boolean("scope_labels", true);
  return config;
}

}  // namespace vigil::exporters::prometheus
