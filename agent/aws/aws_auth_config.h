#pragma once

#include <string>

namespace vigil::config {
class ConfigReader;
}

namespace vigil::aws {

// The AWS keys every AWS-authenticated exporter offers (CloudWatch, and `auth = "sigv4"` on the
// OTLP and remote-write exporters), read by parse_aws_auth_config so all of them accept the same
// keys with the same errors. Empty strings mean "not set" (the SDK defaults apply).
struct AwsAuthConfig {
  // "" = AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then IMDS (see region.h).
  std::string region;
  // Explicit keys, normally written as "${VAR}". Both or neither; the secret and the session
  // token are redacted when the configuration is printed.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  // "" = AWS_PROFILE, else "default".
  std::string profile;
  // Assume this role with STS AssumeRole, using the credentials of the chain as the source.
  std::string role_arn;
  std::string role_session_name;  // "" = "vigil-<unix seconds>"
  std::string external_id;        // for AssumeRole, when the role's trust policy wants one
  // Endpoint overrides (tests, VPC endpoints, IPv6). "" = the SDK variables
  // (AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE), AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), the
  // profile, then AWS's defaults.
  std::string imds_endpoint;
  std::string sts_endpoint;
};

// Reads the keys above from an exporter's table: region, access_key_id, secret_access_key,
// session_token, profile, role_arn, role_session_name, external_id, imds_endpoint, sts_endpoint.
// Errors (a key without its secret, an endpoint that is not an http(s) URL, ...) go to the
// reader, with file:line:col.
AwsAuthConfig parse_aws_auth_config(config::ConfigReader& reader);

}  // namespace vigil::aws
