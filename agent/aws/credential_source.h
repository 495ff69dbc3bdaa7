#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/aws/aws_auth_config.h"
#include "agent/aws/credentials.h"
#include "agent/core/clock.h"
#include "agent/core/error.h"

namespace vigil::net {
class HttpClient;
}

namespace vigil::aws {

class Environment;

// What the sources share. `http` is null when only checking (describe_credential_source).
struct SourceContext {
  AwsAuthConfig config;
  const Environment* env = nullptr;
  net::HttpClient* http = nullptr;
  const core::Clock* clock = nullptr;
  std::string container_endpoint = "http://169.254.170.2";
  core::Duration imds_timeout = std::chrono::seconds(1);
  core::Duration http_timeout = std::chrono::seconds(10);  // STS, container endpoint
};

// Whether a source is set up, decided from the environment and the files only (no network).
struct SourceCheck {
  bool configured = false;
  // Configured: what it will use ("AWS_ACCESS_KEY_ID ****MPLE"); else why not ("AWS_ACCESS_KEY_ID
  // not set"). Never a secret.
  std::string detail;
};

using CredentialsCallback = std::function<void(core::Result<Credentials>)>;

// One link of the credential chain. Loop thread only; fetch() is not called again before its
// `done` ran. `done` may run inside fetch() (sources without network) and never runs after the
// source is destroyed.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual std::string name() const = 0;  // "environment", "profile:dev", ...
  virtual SourceCheck check() const = 0;
  virtual void fetch(CredentialsCallback done) = 0;
};

using SourcePtr = std::unique_ptr<CredentialSource>;
using ContextPtr = std::shared_ptr<const SourceContext>;

// A source whose answer is known when it is made: keys from the config, the environment or a
// profile (credential_source.cpp).
SourcePtr make_fixed_source(std::string name, SourceCheck check, core::Result<Credentials> answer);

// The links, one file each.
SourcePtr make_config_source(ContextPtr context);       // config_source.cpp
SourcePtr make_environment_source(ContextPtr context);  // environment_source.cpp
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME).
SourcePtr make_env_web_identity_source(ContextPtr context);  // web_identity_source.cpp
struct WebIdentityParams {
  std::string token_file;
  std::string role_arn;
  std::string session_name;  // "" = vigil-<unix seconds>
  std::string source;        // Credentials::source of the result
};
SourcePtr make_web_identity_source(ContextPtr context, WebIdentityParams params);
SourcePtr make_profile_source(ContextPtr context);    // profile_source.cpp
SourcePtr make_container_source(ContextPtr context);  // container_source.cpp
SourcePtr make_imds_source(ContextPtr context);       // imds_source.cpp
struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  // "" = vigil-<unix seconds>
  std::string external_id;
};
// STS AssumeRole signed with `base`'s credentials.
SourcePtr make_assume_role_source(ContextPtr context, SourcePtr base,
                                  AssumeRoleParams params);  // assume_role_source.cpp

// Helpers shared by the sources (credential_source.cpp).
// "****MPLE": the last four characters, as `aws configure list` shows keys.
std::string masked_key(std::string_view access_key_id);
// "vigil-<unix seconds>", the default role session name.
std::string default_session_name(const core::Clock* clock);
// A peer's error answer for a message: "HTTP 403: <first 200 bytes, one line>", or the transport
// error when there was no answer.
std::string describe_http_failure(int status, std::string_view body, std::string_view error);

}  // namespace vigil::aws
