#pragma once

#include <memory>
#include <string>

#include "agent/app/component.h"
#include "agent/aws/aws_auth_config.h"
#include "exporters/cloudwatch/log_translation.h"
#include "exporters/cloudwatch/metric_translation.h"

namespace vigil::config {
class ConfigReader;
}

namespace vigil::exporters::cloudwatch {

enum class MetricsMode : std::uint8_t { kPutMetricData, kEmf };

// [[exporters.cloudwatch]]: every key with its default (README.md "Options").
struct CloudWatchConfig final : app::ComponentConfig {
  // `vigil check`: the credential source and region the chain would use (no network, no secret).
  std::vector<std::string> check_notes() const override;

  aws::AwsAuthConfig auth;       // region, credentials, profile, role, IMDS/STS endpoints
  std::string endpoint;          // both services (tests, a proxy); "" = AWS's
  std::string metrics_endpoint;  // PutMetricData only (a VPC endpoint); "" = `endpoint`
  std::string logs_endpoint;     // CloudWatch Logs only; "" = `endpoint`
  core::Duration timeout = std::chrono::seconds(30);

  std::string namespace_name = "vigil";
  MetricsMode metrics_mode = MetricsMode::kPutMetricData;
  TranslationOptions translation;
  core::Duration counter_reset_after = std::chrono::minutes(15);
  bool gzip = true;

  std::string log_group = "/vigil/logs";
  std::string log_stream = "{host}";
  LogMessageFormat log_format = LogMessageFormat::kBody;
  bool create_log_group = true;
  int retention_days = 0;
  std::string emf_log_group = "/vigil/metrics";
  std::string emf_log_stream = "{host}";
};

inline const std::vector<std::string> kDefaultDimensions = {"service.name", "state", "direction",
                                                            "device", "mountpoint"};

// Reads the kind's keys; errors go to the reader (file:line:col: key: message).
std::shared_ptr<const CloudWatchConfig> parse_cloudwatch_config(config::ConfigReader& reader);

// The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days.
bool valid_retention_days(std::int64_t days);

}  // namespace vigil::exporters::cloudwatch
