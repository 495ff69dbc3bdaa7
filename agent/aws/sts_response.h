#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/aws/credentials.h"
#include "agent/core/error.h"

namespace vigil::aws {

// STS speaks the AWS query protocol: answers are XML (the botocore model lists no other
// protocol for it), parsed here with expat (a document with a DTD is refused, so no entity is ever
// expanded; expat loads nothing from outside). libxml2 would do as well but pulls ICU into every
// process at start: 2.3 MiB more resident memory.

// The <Credentials> (AccessKeyId, SecretAccessKey, SessionToken, Expiration) of an
// <AssumeRoleWithWebIdentityResponse> or <AssumeRoleResponse>. Errors never quote the document.
core::Result<Credentials> parse_sts_credentials(std::string_view xml, std::string source);

// The <Error> of an <ErrorResponse>: {Code, Message}; nullopt when the document is not one.
struct StsError {
  std::string code;
  std::string message;
};
std::optional<StsError> parse_sts_error(std::string_view xml);

}  // namespace vigil::aws
