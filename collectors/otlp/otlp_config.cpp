#include "collectors/otlp/otlp_config.h"

#include "agent/net/socket_address.h"

namespace vigil::collectors::otlp {

namespace {

// "" disables the listener; anything else must be a listen address.
std::string read_listen(config::ConfigReader& reader, std::string_view key,
                        std::string_view default_value) {
  std::string address = reader.string(key, default_value);
  if (address.empty()) return address;
  if (auto parsed = net::parse_listen_address(address); !parsed) {
    reader.error(key, parsed.error().message);
    return std::string(default_value);
  }
  return address;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> OtlpConfig::listen_addresses() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!http_listen.empty()) out.emplace_back(key_path + ".http_listen", http_listen);
  if (!grpc_listen.empty()) out.emplace_back(key_path + ".grpc_listen", grpc_listen);
  return out;
}

std::shared_ptr<const OtlpConfig> parse_otlp_config(config::ConfigReader& reader) {
  auto config = std::make_shared<OtlpConfig>();
  config->key_path = reader.key_path();
  config->http_listen = read_listen(reader, "http_listen", kDefaultHttpListen);
  config->grpc_listen = read_listen(reader, "grpc_listen", kDefaultGrpcListen);
  if (config->http_listen.empty() && config->grpc_listen.empty()) {
    reader.error("grpc_listen", "http_listen and grpc_listen are both empty: nothing to listen on");
  } else if (config->http_listen == config->grpc_listen) {
    reader.error("grpc_listen", "must differ from http_listen (one port cannot serve both yet)");
  }
  config->max_request_size =
      reader.size("max_request_size", kDefaultMaxRequestSize, kMinRequestSize, kMaxRequestSize);
  config->ack_timeout = reader.duration("ack_timeout", config->ack_timeout,
                                        std::chrono::milliseconds(10), std::chrono::minutes(10));
  config->retry_after = reader.duration("retry_after", config->retry_after, std::chrono::seconds(1),
                                        std::chrono::hours(1));
  config->resource_overwrite = reader.boolean("resource_overwrite", false);
  config->signals = reader.signals("signals", core::SignalSet::all());
  auto& auth = reader.table("auth");
  config->bearer_token = auth.secret_string("bearer_token", "");
  return config;
}

}  // namespace vigil::collectors::otlp
