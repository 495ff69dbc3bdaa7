// The explicit keys of the exporter's configuration (usually "${VAR}" substitutions).
#include "agent/aws/credential_source.h"

namespace vigil::aws {

namespace {

class ConfigSource final : public CredentialSource {
 public:
  explicit ConfigSource(ContextPtr context) : context_(std::move(context)) {}

  std::string name() const override { return "config"; }

  SourceCheck check() const override {
    const auto& c = context_->config;
    if (c.access_key_id.empty()) return {false, "no access_key_id in the configuration"};
    return {true, "access_key_id " + masked_key(c.access_key_id)};
  }

  void fetch(CredentialsCallback done) override {
    const auto& c = context_->config;
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      done(core::make_error("access_key_id and secret_access_key must both be set"));
      return;
    }
    done(
        Credentials{c.access_key_id, c.secret_access_key, c.session_token, std::nullopt, "config"});
  }

 private:
  ContextPtr context_;
};

}  // namespace

SourcePtr make_config_source(ContextPtr context) {
  return std::make_unique<ConfigSource>(std::move(context));
}

}  // namespace vigil::aws
