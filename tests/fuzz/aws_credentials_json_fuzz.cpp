// Credentials documents from the container endpoint (ECS, EKS Pod Identity) and IMDS.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/aws/credentials_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto credentials = vigil::aws::parse_credentials_json(body, "container");
  if (credentials &&
      (credentials->access_key_id.empty() || credentials->secret_access_key.empty())) {
    __builtin_trap();
  }
  return 0;
}
