#include "agent/aws/credentials_json.h"

#include <simdjson.h>

#include "agent/aws/aws_time.h"

namespace vigil::aws {

namespace {

// The string member `key`, or "" when it is absent; an error when it is not a string.
core::Result<std::string> string_member(simdjson::dom::object object, std::string_view key) {
  simdjson::dom::element element;
  if (object.at_key(key).get(element) != simdjson::SUCCESS) return std::string();
  std::string_view value;
  if (element.get_string().get(value) != simdjson::SUCCESS) {
    return core::make_error("\"" + std::string(key) + "\" is not a string");
  }
  return std::string(value);
}

}  // namespace

core::Result<Credentials> parse_credentials_json(std::string_view body, std::string source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
    return core::make_error(std::string("credentials are not JSON (") +
                            simdjson::error_message(error) + ")");
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return core::make_error("credentials are not a JSON object");
  }
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
