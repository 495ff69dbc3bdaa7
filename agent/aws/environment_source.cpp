// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"

namespace vigil::aws {

namespace {

class EnvironmentSource final : public CredentialSource {
 public:
  explicit EnvironmentSource(ContextPtr context) : context_(std::move(context)) {}

  std::string name() const override { return "environment"; }

  SourceCheck check() const override {
    const std::string key = context_->env->value("AWS_ACCESS_KEY_ID");
    if (key.empty()) return {false, "AWS_ACCESS_KEY_ID not set"};
    return {true, "AWS_ACCESS_KEY_ID " + masked_key(key)};
  }

  void fetch(CredentialsCallback done) override {
    const Environment& env = *context_->env;
    Credentials credentials{env.value("AWS_ACCESS_KEY_ID"), env.value("AWS_SECRET_ACCESS_KEY"),
                            env.value("AWS_SESSION_TOKEN"), std::nullopt, "environment"};
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
      done(core::make_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
      return;
    }
    done(std::move(credentials));
  }

 private:
  ContextPtr context_;
};

}  // namespace

SourcePtr make_environment_source(ContextPtr context) {
  return std::make_unique<EnvironmentSource>(std::move(context));
}

}  // namespace vigil::aws
