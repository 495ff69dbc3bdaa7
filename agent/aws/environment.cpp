#include "agent/aws/environment.h"

#include <cstdlib>

namespace vigil::aws {

namespace {

class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> get(std::string_view name) const override {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  }
};

}  // namespace

const Environment& Environment::process() {
  static const ProcessEnvironment environment;
  return environment;
}

}  // namespace vigil::aws
