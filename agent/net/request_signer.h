#pragma once

#include <functional>

#include "agent/core/error.h"
#include "agent/net/http_client.h"

namespace vigil::net {

// Signs a request just before it goes out (auth = "sigv4" of the OTLP and remote-write
// exporters: aws::SigV4RequestSigner); the body is final by then. `done` gets the signed
// request, or an error that fails the attempt (retryable: credentials may come back).
class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  virtual void sign(HttpClientRequest request,
                    std::function<void(core::Result<HttpClientRequest>)> done) = 0;
};

}  // namespace vigil::net
