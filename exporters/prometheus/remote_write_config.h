#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/app/component.h"
#include "agent/aws/aws_auth_config.h"
#include "agent/core/clock.h"
#include "agent/net/http_client.h"

namespace vigil::exporters::prometheus {

inline constexpr std::size_t kDefaultMaxSamplesPerSend = 2000;
inline constexpr std::string_view kDefaultSigV4Service = "aps";  // Amazon Managed Prometheus

// [[exporters.prometheus_remote_write]]: the kind's own keys (README.md; the common ones,
// signals, from, buffer, retry, are in app::ExporterSpec).
struct RemoteWriteConfig final : app::ComponentConfig {
  std::string url;  // http(s)://host[:port]/path, e.g. http://prometheus:9090/api/v1/write
  // Sent with every request, after ${ENV} substitution; authorization-like values and values
  // from the environment are redacted by `vigil check`.
  std::vector<std::pair<std::string, std::string>> headers;
  net::TlsOptions tls;
  core::Duration timeout = std::chrono::seconds(30);
  std::size_t max_samples_per_send = kDefaultMaxSamplesPerSend;
  // Added to every series unless it has the label already (as Prometheus' external_labels).
  std::vector<std::pair<std::string, std::string>> external_labels;
  // The translation (prometheus_translation.h).
  bool node_exporter_names = true;
  bool target_info = true;
  bool scope_labels = true;
  core::Duration delta_state_ttl = std::chrono::minutes(10);
  std::size_t max_delta_series = 100'000;
  // auth = "sigv4": requests are signed for `sigv4_service` with the AWS keys.
  bool sigv4 = false;
  aws::AwsAuthConfig aws;
  std::string sigv4_service{kDefaultSigV4Service};

  // With sigv4: where the credentials come from and the region (`vigil check`).
  std::vector<std::string> check_notes() const override;
};

// Reads the keys above; bad values are reported to the reader (file:line:col and key).
std::shared_ptr<const RemoteWriteConfig> parse_remote_write_config(config::ConfigReader& reader);

}  // namespace vigil::exporters::prometheus
