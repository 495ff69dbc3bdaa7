// STS AssumeRole, signed with the credentials of another source (the chain for `role_arn` in
// the exporter's config; a profile's source_profile or credential_source).
#include "agent/aws/credential_source.h"
#include "agent/aws/sts_client.h"

namespace vigil::aws {

namespace {

class AssumeRoleSource final : public CredentialSource {
 public:
  AssumeRoleSource(ContextPtr context, SourcePtr base, AssumeRoleParams params)
      : context_(std::move(context)), base_(std::move(base)), params_(std::move(params)) {}

  std::string name() const override { return "assume_role via " + base_->name(); }

  SourceCheck check() const override {
    SourceCheck base = base_->check();
    if (!base.configured) return base;
    return {true,
            "role " + params_.role_arn + ", with " + base_->name() + " (" + base.detail + ")"};
  }

  void fetch(CredentialsCallback done) override {
    std::weak_ptr<void> alive = alive_;
    base_->fetch([this, alive, done = std::move(done)](core::Result<Credentials> base) mutable {
      if (alive.expired()) return;
      if (!base) {
        done(core::make_error("assume role " + params_.role_arn + ": " + base.error().message));
        return;
      }
      QueryParams query{
          {"RoleArn", params_.role_arn},
          {"RoleSessionName", params_.session_name.empty() ? default_session_name(context_->clock)
                                                           : params_.session_name}};
      if (!params_.external_id.empty()) query.emplace_back("ExternalId", params_.external_id);
      call_sts(*context_, "AssumeRole", query, &*base, "assume_role(" + base->source + ")", alive_,
               std::move(done));
    });
  }

 private:
  ContextPtr context_;
  SourcePtr base_;
  AssumeRoleParams params_;
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace

SourcePtr make_assume_role_source(ContextPtr context, SourcePtr base, AssumeRoleParams params) {
  return std::make_unique<AssumeRoleSource>(std::move(context), std::move(base), std::move(params));
}

}  // namespace vigil::aws
