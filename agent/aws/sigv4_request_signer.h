#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/app/component.h"
#include "agent/aws/aws_auth_config.h"
#include "agent/aws/credential_provider.h"
#include "agent/aws/region.h"
#include "agent/aws/sigv4_signer.h"
#include "agent/net/request_signer.h"

namespace vigil::aws {

// What `vigil check` says about auth = "sigv4" for `service`: where the credentials come from
// and the region it signs in (without asking IMDS).
std::vector<std::string> describe_sigv4_signing(const AwsAuthConfig& auth,
                                                std::string_view service);

// auth = "sigv4" of the OTLP and remote-write exporters: signs each request with AWS Signature
// Version 4 for `service` (agent/aws), with credentials from the SDKs' default chain and the region
// from the config, the environment, the profile or IMDS (resolved once, on first use). The body it
// signs is the one sent: the exporter compresses before it signs.
class SigV4RequestSigner final : public net::RequestSigner {
 public:
  static core::Result<std::unique_ptr<SigV4RequestSigner>> create(
      const aws::AwsAuthConfig& auth, std::string service, const app::ComponentContext& context,
      std::string component);
  ~SigV4RequestSigner() override;

  void sign(net::HttpClientRequest request,
            std::function<void(core::Result<net::HttpClientRequest>)> done) override;

  struct Parts;  // what it signs with (public for create())

 private:
  explicit SigV4RequestSigner(std::unique_ptr<Parts> parts);
  void sign_in_region(net::HttpClientRequest request,
                      std::function<void(core::Result<net::HttpClientRequest>)> done);

  std::unique_ptr<Parts> parts_;
};

}  // namespace vigil::aws
