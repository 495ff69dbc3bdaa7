#include "agent/aws/region.h"

#include "agent/aws/environment.h"
#include "agent/aws/imds_client.h"
#include "agent/aws/shared_config.h"

namespace vigil::aws {

std::optional<RegionChoice> resolve_region_offline(const AwsAuthConfig& config,
                                                   const Environment& env) {
  if (!config.region.empty()) return RegionChoice{config.region, "config"};
  for (const char* variable : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string region = env.value(variable);
    if (!region.empty()) return RegionChoice{std::move(region), variable};
  }
  // A file that does not parse is reported by the credential chain; here it just says nothing.
  if (auto shared = SharedConfig::load(shared_file_paths(env))) {
    const std::string name = profile_name(config, env);
    if (auto profile = shared->profile(name)) {
      std::string region = profile->value("region");
      if (!region.empty()) return RegionChoice{std::move(region), "profile:" + name};
    }
  }
  return std::nullopt;
}

struct RegionResolver::State {
  AwsAuthConfig config;
  CredentialChainDeps deps;
  std::unique_ptr<ImdsClient> imds;
};

RegionResolver::RegionResolver(AwsAuthConfig config, CredentialChainDeps deps)
    : state_(std::make_shared<State>(State{std::move(config), std::move(deps), nullptr})) {}

RegionResolver::~RegionResolver() = default;

void RegionResolver::resolve(std::function<void(core::Result<RegionChoice>)> done) {
  const Environment& env =
      state_->deps.environment != nullptr ? *state_->deps.environment : Environment::process();
  if (auto offline = resolve_region_offline(state_->config, env)) {
    done(std::move(*offline));
    return;
  }
  const std::string tried =
      "no region: not in the configuration, AWS_REGION, AWS_DEFAULT_REGION or the profile";
  if (imds_disabled(env) || state_->deps.http_client == nullptr || state_->deps.clock == nullptr) {
    done(core::make_error(tried + "; IMDS disabled"));
    return;
  }
  if (!state_->imds) {
    ImdsClient::Options options;
    options.endpoint = imds_endpoint(state_->config, env);
    state_->imds =
        std::make_unique<ImdsClient>(*state_->deps.http_client, *state_->deps.clock, options);
  }
  // The client lives in state_, which this resolver owns: it never calls back once destroyed.
  state_->imds->get("/latest/meta-data/placement/region", [tried, done = std::move(done)](
                                                              core::Result<std::string> region) {
    if (!region || region->empty()) {
      done(core::make_error(tried + "; " +
                            (region ? "IMDS gave an empty region" : region.error().message)));
      return;
    }
    std::string value = *region;
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) {
      value.pop_back();
    }
    done(RegionChoice{std::move(value), "imds"});
  });
}

}  // namespace vigil::aws
