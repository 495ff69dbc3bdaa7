#include "agent/aws/sigv4_request_signer.h"

#include <fmt/format.h>

#include "agent/aws/credential_chain_context.h"
#include "agent/aws/environment.h"
#include "agent/net/openssl_library.h"
#include "agent/telemetry/logger.h"

namespace vigil::aws {

struct SigV4RequestSigner::Parts {
  std::string service;
  std::string component;
  const core::Clock* clock = nullptr;
  telemetry::Logger* logger = nullptr;
  std::unique_ptr<aws::CredentialProvider> credentials;
  std::unique_ptr<aws::RegionResolver> region_resolver;
  // Made once the region is known.
  std::unique_ptr<aws::SigV4Signer> signer;
};

std::vector<std::string> describe_sigv4_signing(const AwsAuthConfig& auth,
                                                std::string_view service) {
  const auto region = resolve_region_offline(auth, Environment::process());
  return {
      "AWS credentials: " + describe_credential_source(auth),
      fmt::format("signing for {} in {}", service,
                  region ? fmt::format("{} (region from {})", region->region, region->source)
                         : std::string("the region IMDS gives (none configured)")),
  };
}

core::Result<std::unique_ptr<SigV4RequestSigner>> SigV4RequestSigner::create(
    const aws::AwsAuthConfig& auth, std::string service, const app::ComponentContext& context,
    std::string component) {
  // SigV4 signs with libcrypto's HMAC-SHA-256: a missing library stops the start.
  if (auto ssl = net::load_openssl(); !ssl) {
    return core::make_error(component + ": " + ssl.error().message);
  }
  auto parts = std::make_unique<Parts>();
  parts->service = std::move(service);
  parts->component = component;
  parts->clock = context.clock;
  parts->logger = context.logger;
  auto chain =
      aws::make_default_credential_chain(auth, aws::credential_chain_deps(context, component));
  if (!chain) return std::unexpected(chain.error());
  parts->credentials = std::move(*chain);
  parts->region_resolver = std::make_unique<aws::RegionResolver>(
      auth, aws::credential_chain_deps(context, std::move(component)));
  return std::unique_ptr<SigV4RequestSigner>(new SigV4RequestSigner(std::move(parts)));
}

SigV4RequestSigner::SigV4RequestSigner(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

SigV4RequestSigner::~SigV4RequestSigner() = default;

void SigV4RequestSigner::sign(net::HttpClientRequest request,
                              std::function<void(core::Result<net::HttpClientRequest>)> done) {
  if (parts_->signer) {
    sign_in_region(std::move(request), std::move(done));
    return;
  }
  // The resolver never calls back after it is destroyed, and it dies with this signer.
  parts_->region_resolver->resolve([this, request = std::move(request), done = std::move(done)](
                                       core::Result<aws::RegionChoice> region) mutable {
    if (!region) {
      done(core::make_error("no AWS region: " + region.error().message));
      return;
    }
    if (!parts_->signer) {
      parts_->logger->info(parts_->component, "signing for {} in {} (region from {})",
                           parts_->service, region->region, region->source);
      parts_->signer = std::make_unique<aws::SigV4Signer>(
          aws::SigningParams{.region = region->region, .service = parts_->service});
    }
    sign_in_region(std::move(request), std::move(done));
  });
}

void SigV4RequestSigner::sign_in_region(
    net::HttpClientRequest request,
    std::function<void(core::Result<net::HttpClientRequest>)> done) {
  parts_->credentials->get([this, request = std::move(request), done = std::move(done)](
                               core::Result<aws::Credentials> credentials) mutable {
    if (!credentials) {
      done(core::make_error("no AWS credentials: " + credentials.error().message));
      return;
    }
    parts_->signer->sign(request, *credentials, aws::wall_time(*parts_->clock));
    done(std::move(request));
  });
}

}  // namespace vigil::aws
