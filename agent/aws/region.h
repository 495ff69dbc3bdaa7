#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/aws/aws_auth_config.h"
#include "agent/aws/credential_provider.h"
#include "agent/core/error.h"

namespace vigil::aws {

class Environment;

struct RegionChoice {
  std::string region;
  std::string source;  // "config", "AWS_REGION", "AWS_DEFAULT_REGION", "profile:NAME", "imds"
};

// The region without network: `region` in the config, AWS_REGION, AWS_DEFAULT_REGION, the
// profile's `region` in the shared config file. nullopt when none says.
std::optional<RegionChoice> resolve_region_offline(const AwsAuthConfig& config,
                                                   const Environment& env);

// resolve_region_offline, then the instance's region from IMDSv2 (placement/region).
class RegionResolver {
 public:
  RegionResolver(AwsAuthConfig config, CredentialChainDeps deps);
  ~RegionResolver();
  RegionResolver(const RegionResolver&) = delete;
  RegionResolver& operator=(const RegionResolver&) = delete;

  // `done` runs on the loop, inside resolve() when no network is needed; never after the
  // resolver is destroyed.
  void resolve(std::function<void(core::Result<RegionChoice>)> done);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::aws
