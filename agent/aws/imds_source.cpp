// EC2 instance profile credentials over IMDSv2: the role name, then its credentials.
#include "agent/aws/credential_source.h"
#include "agent/aws/credentials_json.h"
#include "agent/aws/environment.h"
#include "agent/aws/imds_client.h"

namespace vigil::aws {

namespace {

constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";

class ImdsSource final : public CredentialSource {
 public:
  explicit ImdsSource(ContextPtr context)
      : context_(std::move(context)), endpoint_(imds_endpoint(context_->config, *context_->env)) {}

  std::string name() const override { return "imds"; }

  SourceCheck check() const override {
    if (imds_disabled(*context_->env)) return {false, "AWS_EC2_METADATA_DISABLED=true"};
    return {true, endpoint_ + ", if reachable"};
  }

  void fetch(CredentialsCallback done) override {
    if (imds_disabled(*context_->env)) {
      done(core::make_error("disabled by AWS_EC2_METADATA_DISABLED"));
      return;
    }
    if (context_->http == nullptr) {
      done(core::make_error("no HTTP client"));
      return;
    }
    if (!client_) {
      ImdsClient::Options options;
      options.endpoint = endpoint_;
      options.timeout = context_->imds_timeout;
      client_ = std::make_unique<ImdsClient>(*context_->http, *context_->clock, options);
    }
    client_->get(std::string(kRolesPath), [this, done = std::move(done)](
                                              core::Result<std::string> roles) mutable {
      // ImdsClient never calls back after it (and so this source) is gone.
      if (!roles) {
        done(core::make_error(roles.error().message +
                              " (is an IAM role attached to the instance?)"));
        return;
      }
      std::string role = roles->substr(0, roles->find('\n'));
      while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
      if (role.empty()) {
        done(core::make_error("IMDS at " + endpoint_ + ": no IAM role attached to the instance"));
        return;
      }
      client_->get(std::string(kRolesPath) + role,
                   [this, role, done = std::move(done)](core::Result<std::string> body) {
                     if (!body) {
                       done(std::unexpected(body.error()));
                       return;
                     }
                     auto credentials = parse_credentials_json(*body, "imds");
                     if (!credentials) {
                       done(core::make_error("IMDS at " + endpoint_ + ", role " + role + ": " +
                                             credentials.error().message));
                       return;
                     }
                     done(std::move(credentials));
                   });
    });
  }

 private:
  ContextPtr context_;
  std::string endpoint_;
  std::unique_ptr<ImdsClient> client_;
};

}  // namespace

SourcePtr make_imds_source(ContextPtr context) {
  return std::make_unique<ImdsSource>(std::move(context));
}

}  // namespace vigil::aws
