#pragma once

#include <string>

#include "agent/app/component.h"
#include "agent/aws/credential_provider.h"

namespace vigil::aws {

// The chain's dependencies from an exporter's context; `component` is the exporter's id.
inline CredentialChainDeps credential_chain_deps(const app::ComponentContext& context,
                                                 std::string component) {
  CredentialChainDeps deps;
  deps.http_client = context.http_client;
  deps.scheduler = context.scheduler;
  deps.clock = context.clock;
  deps.logger = context.logger;
  deps.component = std::move(component);
  return deps;
}

}  // namespace vigil::aws
