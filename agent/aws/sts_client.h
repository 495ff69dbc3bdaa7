#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/aws/credential_source.h"

namespace vigil::aws {

// Where STS calls go: `sts_endpoint` in the config, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the
// regional endpoint (https://sts.REGION.amazonaws.com, .com.cn in China) when the region is
// known without network and AWS_STS_REGIONAL_ENDPOINTS is not "legacy", else the global
// https://sts.amazonaws.com. `region` is what requests to it are signed for.
struct StsEndpoint {
  std::string url;
  std::string region;
};
StsEndpoint sts_endpoint(const SourceContext& context);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// POSTs one STS query-protocol call (Action, Version and `params`, form-encoded) and parses the
// credentials of its answer. Signed with `signing_credentials` (AssumeRole), unsigned when null
// (AssumeRoleWithWebIdentity). `done` is skipped once `alive` has expired (its source is gone).
void call_sts(const SourceContext& context, const std::string& action, const QueryParams& params,
              const Credentials* signing_credentials, std::string source, std::weak_ptr<void> alive,
              CredentialsCallback done);

}  // namespace vigil::aws
