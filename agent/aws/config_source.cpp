// The explicit keys of the exporter's configuration (usually "${VAR}" substitutions).
#include "agent/aws/credential_source.h"

namespace vigil::aws {

SourcePtr make_config_source(ContextPtr context) {
  const AwsAuthConfig& c = context->config;
  if (c.access_key_id.empty()) {
    return make_fixed_source("config", {false, "no access_key_id in the configuration"},
                             core::make_error("no access_key_id in the configuration"));
  }
  core::Result<Credentials> answer =
      c.secret_access_key.empty() ? core::Result<Credentials>(core::make_error(
                                        "access_key_id and secret_access_key must both be set"))
                                  : Credentials{c.access_key_id, c.secret_access_key,
                                                c.session_token, std::nullopt, "config"};
  return make_fixed_source("config", {true, "access_key_id " + masked_key(c.access_key_id)},
                           std::move(answer));
}

}  // namespace vigil::aws
