#pragma once

#include <array>
#include <string>
#include <string_view>

namespace vigil::aws {

// SHA-256 and HMAC-SHA256 from OpenSSL (EVP_Digest, HMAC), as SigV4 uses them.
using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);
std::string hex_lower(std::string_view bytes);

inline std::string_view as_bytes(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}
inline std::string sha256_hex(std::string_view data) { return hex_lower(as_bytes(sha256(data))); }

}  // namespace vigil::aws
