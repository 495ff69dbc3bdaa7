#include <algorithm>
#include <iterator>
#include <limits>

#include "agent/config/config_reader.h"

namespace vigil::config {

void Diagnostics::add(std::string message) {
  constexpr auto kEnd = std::numeric_limits<std::uint32_t>::max();
  add(std::move(message), SourcePosition{kEnd, kEnd});
}

void Diagnostics::add(std::string message, SourcePosition position) {
  const auto at = std::upper_bound(positions_.begin(), positions_.end(), position);
  const auto index = std::distance(positions_.begin(), at);
  positions_.insert(at, position);
  errors_.insert(errors_.begin() + index, std::move(message));
}

std::string Diagnostics::joined() const {
  std::string out;
  for (const auto& e : errors_) {
    if (!out.empty()) out.push_back('\n');
    out += e;
  }
  return out;
}

}  // namespace vigil::config
