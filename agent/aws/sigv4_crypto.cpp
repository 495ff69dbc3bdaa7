#include "agent/aws/sigv4_crypto.h"

#include <cstdio>
#include <cstdlib>

#include "agent/net/openssl_library.h"

namespace vigil::aws {

namespace {

// Both calls fail only when OpenSSL cannot provide SHA-256 at all (a broken installation or a
// FIPS provider without it): nothing could be signed, so this is not a condition to carry on in.
[[noreturn]] void openssl_failed(const char* what) {
  std::fprintf(stderr, "vigil: OpenSSL %s (SHA-256) failed\n", what);
  std::abort();
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  const net::OpenSslFunctions& ssl = net::openssl();
  if (ssl.digest(data.data(), data.size(), digest.data(), &length, ssl.sha256(), nullptr) != 1 ||
      length != digest.size()) {
    openssl_failed("EVP_Digest");
  }
  return digest;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  const net::OpenSslFunctions& ssl = net::openssl();
  if (ssl.hmac(ssl.sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(),
               &length) == nullptr ||
      length != digest.size()) {
    openssl_failed("HMAC");
  }
  return digest;
}

std::string hex_lower(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

}  // namespace vigil::aws
