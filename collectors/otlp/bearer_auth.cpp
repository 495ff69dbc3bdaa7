#include "collectors/otlp/bearer_auth.h"

#include <cstdio>
#include <cstdlib>

#include "agent/net/openssl_library.h"

namespace vigil::collectors::otlp {

namespace {

std::array<unsigned char, 32> sha256(std::string_view data) {
  const net::OpenSslFunctions& ssl = net::openssl();
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  if (ssl.digest(data.data(), data.size(), out.data(), &length, ssl.sha256(), nullptr) != 1 ||
      length != out.size()) {
    // Only without SHA-256 in OpenSSL at all: no token could ever be checked.
    std::fprintf(stderr, "vigil: OpenSSL EVP_Digest (SHA-256) failed\n");
    std::abort();
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

BearerAuth::BearerAuth(std::string_view token) : enabled_(!token.empty()) {
  if (enabled_) digest_ = sha256(token);
}

bool BearerAuth::check(std::string_view authorization) const {
  if (!enabled_) return true;
  const auto space = authorization.find_first_of(" \t");
  if (space == std::string_view::npos) return false;
  if (!iequals(authorization.substr(0, space), "Bearer")) return false;
  std::string_view token = authorization.substr(space);
  while (!token.empty() && is_space(token.front())) token.remove_prefix(1);
  while (!token.empty() && is_space(token.back())) token.remove_suffix(1);
  if (token.empty()) return false;
  const auto presented = sha256(token);
  return net::openssl().memcmp(presented.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace vigil::collectors::otlp
