#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/aws/aws_auth_config.h"
#include "agent/core/clock.h"
#include "agent/core/error.h"

namespace vigil::net {
class HttpClient;
}

namespace vigil::aws {

class Environment;

// The instance metadata service's base URL: `imds_endpoint` in the config,
// AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's ec2_metadata_service_endpoint, the IPv6
// endpoint http://[fd00:ec2::254] when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (or the profile's
// ec2_metadata_service_endpoint_mode) is "IPv6", else http://169.254.169.254. No trailing '/'.
std::string imds_endpoint(const AwsAuthConfig& config, const Environment& env);
// AWS_EC2_METADATA_DISABLED=true.
bool imds_disabled(const Environment& env);

// IMDSv2 reads (never IMDSv1): a session token from PUT /latest/api/token
// (X-aws-ec2-metadata-token-ttl-seconds), reused until a minute before its TTL ends; a 401 (the
// token expired or the service restarted) drops it and the read is tried once more with a new
// one. Network errors, timeouts and 5xx are retried up to `attempts` times in all: short
// timeouts, because off EC2 nothing answers. Loop thread only.
class ImdsClient {
 public:
  struct Options {
    std::string endpoint = "http://169.254.169.254";
    core::Duration timeout = std::chrono::seconds(1);
    int attempts = 2;
    std::chrono::seconds token_ttl{21600};
  };

  ImdsClient(net::HttpClient& http, const core::Clock& clock, Options options);
  ~ImdsClient();
  ImdsClient(const ImdsClient&) = delete;
  ImdsClient& operator=(const ImdsClient&) = delete;

  // GETs `path` ("/latest/meta-data/placement/region"); the body on 200. `done` never runs after
  // the client is destroyed, and never inside get().
  void get(std::string path, std::function<void(core::Result<std::string>)> done);

  const std::string& endpoint() const { return options_.endpoint; }

 private:
  struct Read;
  void fetch_token(std::shared_ptr<Read> read);
  void send_get(std::shared_ptr<Read> read);
  void fail(const std::shared_ptr<Read>& read, std::string message);

  net::HttpClient& http_;
  const core::Clock& clock_;
  Options options_;
  std::string token_;
  core::MonoTime token_valid_until_{};
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace vigil::aws
