// STS answers (AssumeRoleWithWebIdentity, AssumeRole, ErrorResponse), XML through expat.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/aws/sts_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto credentials = vigil::aws::parse_sts_credentials(xml, "web_identity");
  if (credentials && (credentials->access_key_id.empty() || credentials->session_token.empty() ||
                      !credentials->expiration)) {
    __builtin_trap();
  }
  (void)vigil::aws::parse_sts_error(xml);
  return 0;
}
