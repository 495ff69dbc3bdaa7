#include "agent/aws/credentials_json.h"

#include <rapidjson/document.h>

#include "agent/aws/aws_time.h"
#include "agent/core/json_document.h"

namespace vigil::aws {

namespace {

// The string member `key`, or "" when it is absent; an error when it is not a string.
core::Result<std::string> string_member(const rapidjson::Value& object, std::string_view key) {
  const auto member = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  if (member == object.MemberEnd()) return std::string();
  if (!member->value.IsString()) {
    return core::make_error("\"" + std::string(key) + "\" is not a string");
  }
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

}  // namespace

core::Result<Credentials> parse_credentials_json(std::string_view body, std::string source) {
  rapidjson::Document document;
  if (const char* error = core::parse_json_document(body, document)) {
    return core::make_error(std::string("credentials are not JSON (") + error + ")");
  }
  if (!document.IsObject()) return core::make_error("credentials are not a JSON object");
  const rapidjson::Value& object = document;
  Credentials credentials;
  credentials.source = std::move(source);
  auto code = string_member(object, "Code");
  if (!code) return std::unexpected(code.error());
  if (!code->empty() && *code != "Success") {
    auto message = string_member(object, "Message");
    return core::make_error("credentials not available (Code " + *code +
                            (message && !message->empty() ? ": " + *message : "") + ")");
  }
  auto key = string_member(object, "AccessKeyId");
  auto secret = string_member(object, "SecretAccessKey");
  auto token = string_member(object, "Token");
  auto expiration = string_member(object, "Expiration");
  for (const auto* r : {&key, &secret, &token, &expiration}) {
    if (!*r) return std::unexpected(r->error());
  }
  if (key->empty() || secret->empty()) {
    return core::make_error("credentials without AccessKeyId or SecretAccessKey");
  }
  credentials.access_key_id = std::move(*key);
  credentials.secret_access_key = std::move(*secret);
  credentials.session_token = std::move(*token);
  if (!expiration->empty()) {
    auto when = parse_iso8601(*expiration);
    if (!when) return core::make_error("credentials with a bad Expiration \"" + *expiration + "\"");
    credentials.expiration = *when;
  }
  return credentials;
}

}  // namespace vigil::aws
