#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/app/component.h"
#include "agent/core/clock.h"
#include "agent/core/signal.h"

namespace vigil::collectors::otlp {

inline constexpr std::string_view kDefaultHttpListen = "127.0.0.1:4318";
inline constexpr std::string_view kDefaultGrpcListen = "127.0.0.1:4317";
// The OTLP specification's recommended default (PROTOCOLS.md 1.2).
inline constexpr std::uint64_t kDefaultMaxRequestSize = 20 * 1024 * 1024;
inline constexpr std::uint64_t kMinRequestSize = 1024;
inline constexpr std::uint64_t kMaxRequestSize = 1024ull * 1024 * 1024;

// [collectors.otlp]
struct OtlpConfig final : app::ComponentConfig {
  std::string http_listen{kDefaultHttpListen};  // "" = no HTTP listener
  std::string grpc_listen{kDefaultGrpcListen};  // "" = no gRPC listener
  // Decompressed bytes of one request (HTTP body or gRPC message); also the compressed HTTP
  // body's bound.
  std::uint64_t max_request_size = kDefaultMaxRequestSize;
  // How long a client waits for its batch to become safe before it gets a retryable answer.
  core::Duration ack_timeout = std::chrono::seconds(5);
  // Advertised under back-pressure (Retry-After, gRPC RetryInfo); whole seconds on HTTP.
  core::Duration retry_after = std::chrono::seconds(1);
  bool resource_overwrite = false;
  std::string bearer_token;  // "" = no authentication
  core::SignalSet signals = core::SignalSet::all();

  std::string key_path = "collectors.otlp";  // for listen_addresses()

  std::vector<std::pair<std::string, std::string>> listen_addresses() const override;
};

// Reads the keys above; bad values are reported to the reader.
std::shared_ptr<const OtlpConfig> parse_otlp_config(config::ConfigReader& reader);

}  // namespace vigil::collectors::otlp
