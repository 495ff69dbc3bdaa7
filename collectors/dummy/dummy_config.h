#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "agent/app/component.h"
#include "agent/core/signal.h"

namespace vigil::collectors::dummy {

inline constexpr std::uint64_t kMaxRate = 1'000'000;     // records per second
inline constexpr std::uint64_t kMaxBatchSize = 100'000;  // records per batch
inline constexpr std::uint64_t kDefaultMaxBatchSize = 1'000;
// Set on every log record and span by the collector itself.
inline constexpr std::string_view kSeqAttribute = "dummy.seq";

// [collectors.dummy]
struct DummyConfig final : app::ComponentConfig {
  core::Signal signal = core::Signal::kLogs;
  std::string body = "dummy";
  std::uint64_t rate = 1;        // records per second; 0 = as fast as back-pressure allows
  std::uint64_t batch_size = 1;  // records per batch; default min(rate, 1000), 1000 for rate 0
  std::uint64_t count = 0;       // stop after this many records; 0 = never
  std::map<std::string, std::string> attributes;
};

// Reads the keys above; bad values are reported to the reader.
std::shared_ptr<const DummyConfig> parse_dummy_config(config::ConfigReader& reader);

}  // namespace vigil::collectors::dummy
