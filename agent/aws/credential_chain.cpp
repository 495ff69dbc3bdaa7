// The default chain: the first source that is set up wins (README.md).
#include <utility>
#include <vector>

#include "agent/aws/caching_credential_provider.h"
#include "agent/aws/credential_provider.h"
#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"

namespace vigil::aws {

namespace {

class ChainSource final : public CredentialSource {
 public:
  explicit ChainSource(std::vector<SourcePtr> sources) : sources_(std::move(sources)) {}

  std::string name() const override {
    auto [index, check] = choose();
    return index < sources_.size() ? sources_[index]->name() : "none";
  }

  SourceCheck check() const override {
    auto [index, check] = choose();
    if (index >= sources_.size()) return {false, tried(sources_.size())};
    return check;
  }

  void fetch(CredentialsCallback done) override {
    auto [index, check] = choose();
    if (index >= sources_.size()) {
      done(core::make_error("no AWS credentials found; tried " + tried(sources_.size())));
      return;
    }
    // The last source (IMDS) is the fallback: when it fails, say what else was looked at.
    std::string context = sources_[index]->name() + " (" + check.detail + ")";
    if (index + 1 == sources_.size() && index > 0) {
      context = "no AWS credentials found; tried " + tried(index) + ", " + context;
    }
    sources_[index]->fetch(
        [context = std::move(context), done = std::move(done)](core::Result<Credentials> r) {
          if (!r) {
            done(core::make_error(context + ": " + r.error().message));
            return;
          }
          done(std::move(r));
        });
  }

 private:
  std::pair<std::size_t, SourceCheck> choose() const {
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      SourceCheck check = sources_[i]->check();
      if (check.configured) return {i, std::move(check)};
    }
    return {sources_.size(), {}};
  }

  // "config (no access_key_id ...), environment (AWS_ACCESS_KEY_ID not set), ..." of the first
  // `count` sources.
  std::string tried(std::size_t count) const {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) {
      if (!text.empty()) text += ", ";
      text += sources_[i]->name() + " (" + sources_[i]->check().detail + ")";
    }
    return text;
  }

  std::vector<SourcePtr> sources_;
};

SourcePtr default_chain(const ContextPtr& context) {
  std::vector<SourcePtr> sources;
  sources.push_back(make_config_source(context));
  sources.push_back(make_environment_source(context));
  sources.push_back(make_env_web_identity_source(context));
  sources.push_back(make_profile_source(context));
  sources.push_back(make_container_source(context));
  sources.push_back(make_imds_source(context));
  SourcePtr chain = std::make_unique<ChainSource>(std::move(sources));
  const AwsAuthConfig& config = context->config;
  if (config.role_arn.empty()) return chain;
  return make_assume_role_source(context, std::move(chain),
                                 {config.role_arn, config.role_session_name, config.external_id});
}

ContextPtr make_context(const AwsAuthConfig& config, const Environment& env,
                        const CredentialChainDeps* deps) {
  auto context = std::make_shared<SourceContext>();
  context->config = config;
  context->env = &env;
  if (deps != nullptr) {
    context->http = deps->http_client;
    context->clock = deps->clock;
    context->container_endpoint = deps->container_endpoint;
  }
  return context;
}

}  // namespace

core::Result<std::unique_ptr<CredentialProvider>> make_default_credential_chain(
    const AwsAuthConfig& config, CredentialChainDeps deps) {
  if (deps.http_client == nullptr || deps.scheduler == nullptr || deps.clock == nullptr) {
    return core::make_error("AWS credentials need an HTTP client, a scheduler and a clock");
  }
  const Environment& env = deps.environment != nullptr ? *deps.environment : Environment::process();
  CachingCredentialProvider::Options options{deps.scheduler, deps.clock, deps.logger,
                                             deps.component, deps.refresh_before};
  return std::unique_ptr<CredentialProvider>(std::make_unique<CachingCredentialProvider>(
      default_chain(make_context(config, env, &deps)), std::move(options)));
}

std::string describe_credential_source(const AwsAuthConfig& config, const Environment& env) {
  AwsAuthConfig without_role = config;
  without_role.role_arn.clear();
  SourcePtr chain = default_chain(make_context(without_role, env, nullptr));
  SourceCheck check = chain->check();
  if (!check.configured) return "none: " + check.detail;
  std::string text = chain->name() + " (" + check.detail + ")";
  if (!config.role_arn.empty()) text = "assume_role " + config.role_arn + ", with " + text;
  return text;
}

std::string describe_credential_source(const AwsAuthConfig& config) {
  return describe_credential_source(config, Environment::process());
}

}  // namespace vigil::aws
