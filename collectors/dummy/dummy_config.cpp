#include "collectors/dummy/dummy_config.h"

#include <algorithm>
#include <limits>

namespace vigil::collectors::dummy {

std::shared_ptr<const DummyConfig> parse_dummy_config(config::ConfigReader& reader) {
  auto config = std::make_shared<DummyConfig>();
  const std::string signal = reader.one_of("signal", "logs", {"logs", "traces", "metrics"});
  config->signal = core::parse_signal(signal).value_or(core::Signal::kLogs);
  config->body = reader.string("body", config->body);
  config->rate =
      static_cast<std::uint64_t>(reader.integer("rate", 1, 0, static_cast<std::int64_t>(kMaxRate)));
  const std::uint64_t default_batch =
      config->rate == 0 ? kDefaultMaxBatchSize : std::min(config->rate, kDefaultMaxBatchSize);
  config->batch_size = static_cast<std::uint64_t>(
      reader.integer("batch_size", static_cast<std::int64_t>(default_batch), 1,
                     static_cast<std::int64_t>(kMaxBatchSize)));
  config->count = static_cast<std::uint64_t>(
      reader.integer("count", 0, 0, std::numeric_limits<std::int64_t>::max()));
  config->attributes = reader.string_map("attributes");
  if (config->attributes.contains(std::string(kSeqAttribute))) {
    reader.error("attributes", "\"dummy.seq\" is set by the collector itself");
    config->attributes.erase(std::string(kSeqAttribute));
  }
  return config;
}

}  // namespace vigil::collectors::dummy
