#pragma once

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "agent/core/error.h"

namespace vigil::net {

// The libcrypto functions vigil uses (SHA-256, HMAC-SHA-256 for SigV4 and bearer tokens,
// base64 for gRPC binary metadata, constant-time compare and cleansing of secrets), resolved
// from libcrypto.so.3 when first needed. Linking libcrypto maps and relocates about 1.4 MiB of
// it into every vigil process at start, although most configurations (host metrics served to a
// Prometheus that scrapes them) never use it. When libcurl loads (agent/net/curl_library.h) it
// brings the same library, which the dynamic loader maps once.
struct OpenSslFunctions {
  decltype(&::CRYPTO_memcmp) memcmp = nullptr;
  decltype(&::OPENSSL_cleanse) cleanse = nullptr;
  decltype(&::EVP_EncodeBlock) encode_block = nullptr;
  decltype(&::EVP_DecodeBlock) decode_block = nullptr;
  decltype(&::EVP_Digest) digest = nullptr;
  decltype(&::EVP_sha256) sha256 = nullptr;
  decltype(&::HMAC) hmac = nullptr;
};

// Loads libcrypto.so.3 once per process (RTLD_NODELETE: OpenSSL registers exit handlers) and
// resolves the functions; later calls return the same table, or the same error naming what is
// missing. Components that will need it call this when they start, so that a missing library
// stops the start with that error instead of surfacing later.
core::Result<const OpenSslFunctions*> load_openssl();

// The table, for code whose component has called load_openssl() at start. If the library
// cannot be loaded after all, prints why and aborts: nothing could be hashed or signed.
const OpenSslFunctions& openssl();

}  // namespace vigil::net
