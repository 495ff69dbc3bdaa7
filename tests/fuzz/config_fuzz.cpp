// The configuration file: environment substitution, TOML parsing and validation of every
// built-in component's section. Any text must give a config or a list of errors.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/components.h"
#include "agent/config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vigil::config::LoadOptions options;
  options.system_hostname = "fuzz-host";
  options.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    if (name == "PORT") return std::string("127.0.0.1:4318");
    return std::nullopt;
  };
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded =
      vigil::config::load_config_text(text, "fuzz.toml", vigil::builtin_components(), options);
  if (loaded) {
    // A valid config prints, and what it prints is a valid config again.
    auto again = vigil::config::load_config_text(loaded->effective_toml, "effective.toml",
                                                 vigil::builtin_components(), options);
    if (!again && loaded->effective_toml.find("<redacted>") == std::string::npos) {
      __builtin_trap();
    }
  } else if (loaded.error().message.empty()) {
    __builtin_trap();  // errors must say something
  }
  return 0;
}
