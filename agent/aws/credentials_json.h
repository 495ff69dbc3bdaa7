#pragma once

#include <string>
#include <string_view>

#include "agent/aws/credentials.h"
#include "agent/core/error.h"

namespace vigil::aws {

// The JSON credentials document of the container endpoint (ECS, EKS Pod Identity) and of IMDS
// (iam/security-credentials/ROLE): AccessKeyId, SecretAccessKey, Token, Expiration (ISO-8601);
// IMDS adds Code ("Success"), Type and LastUpdated. Errors never quote the document (it may hold
// a secret), only what is wrong with it. `source` is copied into the result.
core::Result<Credentials> parse_credentials_json(std::string_view body, std::string source);

}  // namespace vigil::aws
