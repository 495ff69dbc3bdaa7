// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"

namespace vigil::aws {

SourcePtr make_environment_source(ContextPtr context) {
  const Environment& env = *context->env;
  Credentials credentials{env.value("AWS_ACCESS_KEY_ID"), env.value("AWS_SECRET_ACCESS_KEY"),
                          env.value("AWS_SESSION_TOKEN"), std::nullopt, "environment"};
  if (credentials.access_key_id.empty()) {
    return make_fixed_source("environment", {false, "AWS_ACCESS_KEY_ID not set"},
                             core::make_error("AWS_ACCESS_KEY_ID not set"));
  }
  SourceCheck check{true, "AWS_ACCESS_KEY_ID " + masked_key(credentials.access_key_id)};
  if (credentials.secret_access_key.empty()) {
    return make_fixed_source(
        "environment", std::move(check),
        core::make_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
  }
  return make_fixed_source("environment", std::move(check), std::move(credentials));
}

}  // namespace vigil::aws
