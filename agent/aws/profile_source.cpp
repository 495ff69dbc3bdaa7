// A profile of the shared credentials and config files: static keys, a role assumed with a
// source_profile's keys or a credential_source, or a web identity token file. The files are
// read again on every fetch, so edited keys are picked up when credentials are next needed.
#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"
#include "agent/aws/shared_config.h"

namespace vigil::aws {

namespace {

// "credentials-file, config-file": where the profile was found.
std::string files_of(const Profile& profile) {
  std::string text;
  for (const auto& f : profile.files) text += (text.empty() ? "" : ", ") + f;
  return text;
}

// Static keys of a profile. Errors name the files it was read from.
core::Result<Credentials> static_keys(const Profile& profile) {
  Credentials credentials{
      profile.value("aws_access_key_id"), profile.value("aws_secret_access_key"),
      profile.value("aws_session_token"), std::nullopt, "profile:" + profile.name};
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return core::make_error("profile " + profile.name +
                            ": aws_access_key_id and aws_secret_access_key must both be set (" +
                            files_of(profile) + ")");
  }
  return credentials;
}

// The static keys of a profile, as a source.
SourcePtr profile_keys_source(const Profile& profile) {
  return make_fixed_source("profile:" + profile.name, {true, "static keys"}, static_keys(profile));
}

class ProfileSource final : public CredentialSource {
 public:
  explicit ProfileSource(ContextPtr context)
      : context_(std::move(context)), name_(profile_name(context_->config, *context_->env)) {}

  std::string name() const override { return "profile:" + name_; }

  SourceCheck check() const override {
    auto plan = resolve();
    if (!plan) return {true, "error: " + plan.error().message};
    if (plan->source == nullptr) return {false, plan->why_not};
    return {true, plan->detail};
  }

  void fetch(CredentialsCallback done) override {
    auto plan = resolve();
    if (!plan) {
      done(std::unexpected(plan.error()));
      return;
    }
    if (plan->source == nullptr) {
      done(core::make_error(name() + ": " + plan->why_not));
      return;
    }
    // Kept until the next fetch: its answer may still be on its way.
    inner_ = std::move(plan->source);
    inner_->fetch(std::move(done));
  }

 private:
  struct Plan {
    SourcePtr source;     // null: the profile gives no credentials
    std::string detail;   // what it uses
    std::string why_not;  // when source is null
  };

  core::Result<Plan> resolve() const {
    auto shared = SharedConfig::load(shared_file_paths(*context_->env));
    if (!shared) return std::unexpected(shared.error());
    const bool named = !context_->config.profile.empty() || context_->env->get("AWS_PROFILE");
    auto profile = shared->profile(name_);
    const std::string files = shared->paths().credentials + ", " + shared->paths().config;
    if (!profile) {
      if (named) return core::make_error("profile " + name_ + " not found in " + files);
      return Plan{nullptr, {}, "no profile " + name_ + " in " + files};
    }
    const std::string in = files_of(*profile);
    const std::string role_arn = profile->value("role_arn");
    if (!role_arn.empty()) return role_plan(*shared, *profile, role_arn, in);
    if (!profile->value("aws_access_key_id").empty()) {
      return Plan{
          profile_keys_source(*profile),
          "aws_access_key_id " + masked_key(profile->value("aws_access_key_id")) + " in " + in,
          {}};
    }
    for (const char* key : {"credential_process", "sso_session", "sso_start_url"}) {
      if (!profile->value(key).empty()) {
        return core::make_error("profile " + name_ + " (" + in + "): " + key +
                                " is not supported by vigil; use static keys, role_arn, or a "
                                "web identity token file");
      }
    }
    return Plan{nullptr, {}, "profile " + name_ + " in " + in + " has no credentials"};
  }

  core::Result<Plan> role_plan(const SharedConfig& shared, const Profile& profile,
                               const std::string& role_arn, const std::string& in) const {
    AssumeRoleParams params{role_arn, profile.value("role_session_name"),
                            profile.value("external_id")};
    const std::string token_file = profile.value("web_identity_token_file");
    if (!token_file.empty()) {
      return Plan{
          make_web_identity_source(
              context_,
              {token_file, role_arn, profile.value("role_session_name"), "profile:" + name_}),
          "role " + role_arn + " with web identity token file " + token_file + " (" + in + ")",
          {}};
    }
    SourcePtr base;
    std::string base_text;
    const std::string source_profile = profile.value("source_profile");
    const std::string credential_source = profile.value("credential_source");
    if (!source_profile.empty()) {
      auto source = shared.profile(source_profile);
      if (!source) {
        return core::make_error("profile " + name_ + " (" + in + "): source_profile " +
                                source_profile + " not found");
      }
      if (source->value("aws_access_key_id").empty()) {
        return core::make_error("profile " + name_ + " (" + in + "): source_profile " +
                                source_profile +
                                " has no static keys (vigil chains one role only)");
      }
      base = profile_keys_source(*source);
      base_text = "profile:" + source_profile;
    } else if (credential_source == "Environment") {
      base = make_environment_source(context_);
    } else if (credential_source == "Ec2InstanceMetadata") {
      base = make_imds_source(context_);
    } else if (credential_source == "EcsContainer") {
      base = make_container_source(context_);
    } else {
      return core::make_error(
          "profile " + name_ + " (" + in + "): role_arn needs source_profile, credential_source " +
          "(Environment, Ec2InstanceMetadata or EcsContainer) or web_identity_token_file" +
          (credential_source.empty()
               ? ""
               : "; credential_source " + credential_source + " is not one of them"));
    }
    if (base_text.empty()) base_text = base->name();
    return Plan{make_assume_role_source(context_, std::move(base), std::move(params)),
                "role " + role_arn + " with " + base_text + " (" + in + ")",
                {}};
  }

  ContextPtr context_;
  std::string name_;
  SourcePtr inner_;
};

}  // namespace

SourcePtr make_profile_source(ContextPtr context) {
  return std::make_unique<ProfileSource>(std::move(context));
}

}  // namespace vigil::aws
