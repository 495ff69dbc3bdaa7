// Retry-After header values from servers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/core/retry_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  auto d = vigil::core::parse_retry_after(value, 1'700'000'000'000'000'000);
  if (d && *d < vigil::core::Duration::zero()) __builtin_trap();
  return 0;
}
