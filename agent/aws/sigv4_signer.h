#pragma once

#include <array>
#include <chrono>
#include <string>

#include "agent/aws/credentials.h"
#include "agent/core/clock.h"
#include "agent/net/http_client.h"

namespace vigil::aws {

struct SigningParams {
  std::string region;   // "us-east-1"
  std::string service;  // "monitoring", "logs", "aps", "xray", ...
  // Also send and sign X-Amz-Content-Sha256 (S3 and some services want it; CloudWatch does not).
  bool add_content_sha256 = false;
};

// What a signature was computed from, for tests and debugging (contains no secret).
struct SignatureParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
  std::string authorization;
};

// AWS Signature Version 4, header-based (PROTOCOLS.md section 6), with OpenSSL's SHA-256 and
// HMAC. Not thread-safe (it caches the signing key); one per exporter, used on the loop.
class SigV4Signer {
 public:
  explicit SigV4Signer(SigningParams params);
  ~SigV4Signer();
  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  // Signs an outbound request in place: sets X-Amz-Date, X-Amz-Security-Token (when the
  // credentials have one), X-Amz-Content-Sha256 (when asked) and Authorization, replacing earlier
  // ones (so a retried request is simply signed again), over the method, the URL (path and
  // query), the headers present (Host taken from a Host header, else from the URL as libcurl
  // sends it) and the body EXACTLY as it will be sent. So a caller compresses first, sets
  // Content-Encoding itself and leaves request.compression = kNone, then signs: a request with
  // another compression is signed over bytes that will not be sent and will be refused.
  // Headers that clients and proxies change in transit (User-Agent, Expect, Content-Length,
  // Transfer-Encoding, X-Amzn-Trace-Id) are not signed. The signing key is derived once per
  // (date, region, service, secret) and cached.
  SignatureParts sign(net::HttpClientRequest& request, const Credentials& credentials,
                      std::chrono::system_clock::time_point now);

  const SigningParams& params() const { return params_; }

 private:
  const std::array<unsigned char, 32>& signing_key(const std::string& secret,
                                                   const std::string& date);

  SigningParams params_;
  // The cached key and what it was derived from.
  std::string key_date_;
  std::string key_secret_;
  std::array<unsigned char, 32> key_{};
};

// The clock's wall time as sign() takes it: `signer.sign(request, credentials, wall_time(clock))`.
inline std::chrono::system_clock::time_point wall_time(const core::Clock& clock) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(clock.unix_nanos())));
}

// "20150830T123600Z" (UTC), the X-Amz-Date format.
std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace vigil::aws
