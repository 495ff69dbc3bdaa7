#include "agent/net/openssl_library.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "agent/net/shared_library.h"

namespace vigil::net {

namespace {

// The soname of Debian 12's libssl3 (OpenSSL 3.0), whose headers we compile with.
constexpr const char* kLibraryName = "libcrypto.so.3";

core::Result<OpenSslFunctions> load_once() {
  void* handle = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* why = dlerror();
    return core::make_error(fmt::format("cannot load {} (Debian package libssl3): {}", kLibraryName,
                                        why != nullptr ? why : "unknown error"));
  }
  OpenSslFunctions f;
  std::string missing;
  resolve_symbol(handle, "CRYPTO_memcmp", f.memcmp, missing);
  resolve_symbol(handle, "OPENSSL_cleanse", f.cleanse, missing);
  resolve_symbol(handle, "EVP_EncodeBlock", f.encode_block, missing);
  resolve_symbol(handle, "EVP_DecodeBlock", f.decode_block, missing);
  resolve_symbol(handle, "EVP_Digest", f.digest, missing);
  resolve_symbol(handle, "EVP_sha256", f.sha256, missing);
  resolve_symbol(handle, "HMAC", f.hmac, missing);
  if (!missing.empty()) {
    return core::make_error(
        fmt::format("{} lacks functions vigil needs: {}", kLibraryName, missing));
  }
  return f;
}

}  // namespace

core::Result<const OpenSslFunctions*> load_openssl() {
  // Loaded once, then immutable: a cache of what the dynamic loader would have resolved at start.
  static const core::Result<OpenSslFunctions> loaded = load_once();
  if (!loaded) return core::make_error(loaded.error().message);
  return &*loaded;
}

const OpenSslFunctions& openssl() {
  auto loaded = load_openssl();
  if (!loaded) {
    std::fprintf(stderr, "vigil: %s\n", loaded.error().message.c_str());
    std::abort();
  }
  return **loaded;
}

}  // namespace vigil::net
