// STS AssumeRoleWithWebIdentity with a token file (EKS IAM roles for service accounts): from
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, or from a profile's web_identity_token_file +
// role_arn. The token file is read again for every call: the kubelet rotates it.
#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"
#include "agent/aws/small_file.h"
#include "agent/aws/sts_client.h"

namespace vigil::aws {

namespace {

class WebIdentitySource final : public CredentialSource {
 public:
  WebIdentitySource(ContextPtr context, WebIdentityParams params)
      : context_(std::move(context)), params_(std::move(params)) {}

  std::string name() const override { return "web_identity"; }

  SourceCheck check() const override {
    if (params_.token_file.empty()) return {false, "AWS_WEB_IDENTITY_TOKEN_FILE not set"};
    return {true, "role " + (params_.role_arn.empty() ? "(none)" : params_.role_arn) +
                      ", token file " + params_.token_file};
  }

  void fetch(CredentialsCallback done) override {
    if (params_.role_arn.empty()) {
      done(core::make_error("a token file (" + params_.token_file +
                            ") but no role ARN (AWS_ROLE_ARN or the profile's role_arn)"));
      return;
    }
    auto token = read_small_file(params_.token_file);
    if (!token || !token->has_value() || (*token)->empty()) {
      done(core::make_error("cannot read the token file " + params_.token_file +
                            (token ? (token->has_value() ? ": empty" : ": no such file")
                                   : " (" + token.error().message + ")")));
      return;
    }
    std::string session =
        params_.session_name.empty() ? default_session_name(context_->clock) : params_.session_name;
    call_sts(*context_, "AssumeRoleWithWebIdentity",
             {{"RoleArn", params_.role_arn},
              {"RoleSessionName", session},
              {"WebIdentityToken", trim_token(**token)}},
             nullptr, params_.source, alive_, std::move(done));
  }

 private:
  static std::string trim_token(std::string token) {
    while (!token.empty() &&
           (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
      token.pop_back();
    }
    return token;
  }

  ContextPtr context_;
  WebIdentityParams params_;
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace

SourcePtr make_web_identity_source(ContextPtr context, WebIdentityParams params) {
  return std::make_unique<WebIdentitySource>(std::move(context), std::move(params));
}

SourcePtr make_env_web_identity_source(ContextPtr context) {
  const Environment& env = *context->env;
  WebIdentityParams params{env.value("AWS_WEB_IDENTITY_TOKEN_FILE"), env.value("AWS_ROLE_ARN"),
                           env.value("AWS_ROLE_SESSION_NAME"), "web_identity"};
  return make_web_identity_source(std::move(context), std::move(params));
}

}  // namespace vigil::aws
