#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace vigil::aws {

// One set of AWS credentials. The secret and the session token are never logged: log
// `access_key_id` and `source` only.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged
  std::string session_token;      // empty when none; never logged
  // When they stop working; none for long-term (static) keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Where they came from: "config", "environment", "web_identity", "profile:NAME",
  // "container", "imds" (for logs and `vigil check`).
  std::string source;
};

}  // namespace vigil::aws
