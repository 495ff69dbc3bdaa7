#include "agent/aws/credential_source.h"

#include <algorithm>

namespace vigil::aws {

namespace {

class FixedSource final : public CredentialSource {
 public:
  FixedSource(std::string name, SourceCheck check, core::Result<Credentials> answer)
      : name_(std::move(name)), check_(std::move(check)), answer_(std::move(answer)) {}
  std::string name() const override { return name_; }
  SourceCheck check() const override { return check_; }
  void fetch(CredentialsCallback done) override { done(answer_); }

 private:
  std::string name_;
  SourceCheck check_;
  core::Result<Credentials> answer_;
};

}  // namespace

SourcePtr make_fixed_source(std::string name, SourceCheck check, core::Result<Credentials> answer) {
  return std::make_unique<FixedSource>(std::move(name), std::move(check), std::move(answer));
}

std::string masked_key(std::string_view access_key_id) {
  if (access_key_id.size() <= 4) return "****";
  return "****" + std::string(access_key_id.substr(access_key_id.size() - 4));
}

std::string default_session_name(const core::Clock* clock) {
  const std::int64_t seconds = clock != nullptr ? clock->unix_nanos() / 1'000'000'000 : 0;
  return "vigil-" + std::to_string(seconds);
}

std::string describe_http_failure(int status, std::string_view body, std::string_view error) {
  if (status == 0) return std::string(error.empty() ? "no answer" : error);
  std::string text = "HTTP " + std::to_string(status);
  std::string snippet(body.substr(0, 200));
  std::ranges::replace_if(
      snippet, [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (!snippet.empty()) text += ": " + snippet;
  return text;
}

}  // namespace vigil::aws
