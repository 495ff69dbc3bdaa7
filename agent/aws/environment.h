#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::aws {

// Where the AWS SDK variables are read from (AWS_ACCESS_KEY_ID, AWS_PROFILE, HOME, ...): the
// process environment in the agent, a map in tests.
class Environment {
 public:
  virtual ~Environment() = default;
  // nullopt when unset.
  virtual std::optional<std::string> get(std::string_view name) const = 0;
  // The value, or "" when unset.
  std::string value(std::string_view name) const { return get(name).value_or(""); }

  // The process environment (getenv; stateless).
  static const Environment& process();
};

class MapEnvironment final : public Environment {
 public:
  MapEnvironment() = default;
  explicit MapEnvironment(std::map<std::string, std::string, std::less<>> values)
      : values_(std::move(values)) {}
  std::optional<std::string> get(std::string_view name) const override {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
  void unset(std::string_view name) {
    if (auto it = values_.find(name); it != values_.end()) values_.erase(it);
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace vigil::aws
