#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/aws/aws_auth_config.h"
#include "agent/aws/credentials.h"
#include "agent/core/clock.h"
#include "agent/core/error.h"
#include "agent/core/scheduler.h"

namespace vigil::net {
class HttpClient;
}
namespace vigil::telemetry {
class Logger;
}

namespace vigil::aws {

class Environment;

// Hands out credentials, asynchronously. Loop thread only. Implementations cache credentials and
// refresh them in the background before they expire, so get() usually completes at once: `done`
// may run inside get(). It never runs after the provider is destroyed.
class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  virtual void get(std::function<void(core::Result<Credentials>)> done) = 0;
  // AWS refused the credentials get() gave (ExpiredToken, InvalidClientTokenId,
  // UnrecognizedClientException): forget them, so the next get() fetches again. Ignored for
  // credentials fetched in the last 10 s, so an exporter that reports every refusal cannot make
  // the provider spin.
  virtual void invalidate() {}
};

// What the chain needs from the agent (see credential_chain_context.h for an exporter's
// ComponentContext). Everything outlives the provider.
struct CredentialChainDeps {
  net::HttpClient* http_client = nullptr;  // STS, container endpoint, IMDS
  core::Scheduler* scheduler = nullptr;    // refresh timers
  const core::Clock* clock = nullptr;
  telemetry::Logger* logger = nullptr;
  const Environment* environment = nullptr;  // null: the process environment
  std::string component = "aws";             // for log lines: the exporter's id
  // Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is resolved (tests point it at a stand-in).
  std::string container_endpoint = "http://169.254.170.2";
  // Credentials that expire are fetched again this long before they do.
  core::Duration refresh_before = std::chrono::minutes(5);
};

// The default chain in the SDKs' order (README.md): explicit config, environment, web identity
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN via STS), the shared credentials and config files
// (profile), container credentials, EC2 IMDSv2. The first source that is set up is used (the
// SDKs do the same; IMDS is the fallback when none is); with `role_arn` its credentials assume
// that role. Errors only for deps that are missing; a source that fails answers get() with an
// error naming what was tried.
core::Result<std::unique_ptr<CredentialProvider>> make_default_credential_chain(
    const AwsAuthConfig& config, CredentialChainDeps deps);

// Which source the default chain would use, read from the environment and the files only (no
// network), for `vigil check`: "environment (AWS_ACCESS_KEY_ID ****MPLE)",
// "profile:dev (/home/me/.aws/credentials)", ..., or "imds (if reachable)". Never a secret.
std::string describe_credential_source(const AwsAuthConfig& config);
std::string describe_credential_source(const AwsAuthConfig& config, const Environment& env);

}  // namespace vigil::aws
