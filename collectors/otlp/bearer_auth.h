#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::collectors::otlp {

// Checks `Authorization: Bearer <token>` (RFC 6750) against the configured token in constant
// time: both sides are hashed with SHA-256 and the digests compared with CRYPTO_memcmp, so
// neither the token's bytes nor its length show in the time an answer takes.
class BearerAuth {
 public:
  // An empty token disables authentication (every request passes).
  explicit BearerAuth(std::string_view token);

  bool enabled() const { return enabled_; }
  // `authorization` is the header's (or gRPC metadata's) value; the scheme is
  // case-insensitive.
  bool check(std::string_view authorization) const;

 private:
  bool enabled_ = false;
  std::array<unsigned char, 32> digest_{};
};

}  // namespace vigil::collectors::otlp
