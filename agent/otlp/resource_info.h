#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vigil::otlp {

// Attributes every batch's resource carries (DESIGN.md section 3): host.name, os.type, the
// [agent.resource] attributes, and container.id when detected. Kept apart from agent/app so
// that vigil_otlp (which vigil_app depends on) can use it without the app's headers.
struct ResourceInfo {
  std::vector<std::pair<std::string, std::string>> attributes;
};

}  // namespace vigil::otlp
