// The shared credentials and config files (~/.aws/credentials, ~/.aws/config).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/aws/ini_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = vigil::aws::parse_ini(text, "credentials");
  if (doc) {
    for (const auto& [name, section] : doc->sections) {
      if (name.empty() || section.line == 0) __builtin_trap();
      for (const auto& [key, value] : section.values) {
        if (key.empty()) __builtin_trap();
      }
    }
  }
  return 0;
}
