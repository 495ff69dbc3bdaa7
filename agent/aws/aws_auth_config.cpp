#include "agent/aws/aws_auth_config.h"

#include <algorithm>
#include <cctype>

#include "agent/config/config_reader.h"

namespace vigil::aws {

namespace {

bool is_region_name(const std::string& region) {
  return std::ranges::all_of(region, [](unsigned char c) {
    return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '-';
  });
}

void check_endpoint(config::ConfigReader& reader, std::string_view key, const std::string& url) {
  if (!url.empty() && !url.starts_with("http://") && !url.starts_with("https://")) {
    reader.error(key, "expected an http:// or https:// URL, got \"" + url + "\"");
  }
}

}  // namespace

AwsAuthConfig parse_aws_auth_config(config::ConfigReader& reader) {
  AwsAuthConfig c;
  c.region = reader.string("region", "");
  if (!is_region_name(c.region)) {
    reader.error("region", "expected a region name like \"us-east-1\", got \"" + c.region + "\"");
  }
  c.access_key_id = reader.string("access_key_id", "");
  c.secret_access_key = reader.secret_string("secret_access_key", "");
  c.session_token = reader.secret_string("session_token", "");
  if (!c.access_key_id.empty() && c.secret_access_key.empty()) {
    reader.error("access_key_id", "needs secret_access_key as well");
  }
  if (c.access_key_id.empty() && !c.secret_access_key.empty()) {
    reader.error("access_key_id", "must be set when secret_access_key is");
  }
  if (c.access_key_id.empty() && !c.session_token.empty()) {
    reader.error("access_key_id", "must be set when session_token is");
  }
  c.profile = reader.string("profile", "");
  c.role_arn = reader.string("role_arn", "");
  if (!c.role_arn.empty() && !c.role_arn.starts_with("arn:")) {
    reader.error("role_arn", "expected an ARN like \"arn:aws:iam::123456789012:role/name\"");
  }
  c.role_session_name = reader.string("role_session_name", "");
  c.external_id = reader.string("external_id", "");
  if (c.role_arn.empty()) {
    if (!c.role_session_name.empty()) reader.error("role_session_name", "needs role_arn");
    if (!c.external_id.empty()) reader.error("external_id", "needs role_arn");
  }
  c.imds_endpoint = reader.string("imds_endpoint", "");
  check_endpoint(reader, "imds_endpoint", c.imds_endpoint);
  c.sts_endpoint = reader.string("sts_endpoint", "");
  check_endpoint(reader, "sts_endpoint", c.sts_endpoint);
  return c;
}

}  // namespace vigil::aws
