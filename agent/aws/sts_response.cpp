#include "agent/aws/sts_response.h"

#include <climits>
#include <memory>
#include <vector>

#include <expat.h>

#include "agent/aws/aws_time.h"

namespace vigil::aws {

namespace {

struct ParserFree {
  void operator()(XML_ParserStruct* parser) const { XML_ParserFree(parser); }
};
using Parser = std::unique_ptr<XML_ParserStruct, ParserFree>;

// What an STS answer carries, collected by element path while expat streams the document:
// <XxxResponse><XxxResult><Credentials><AccessKeyId>..., or
// <ErrorResponse><Error><Code>...
struct StsDocument {
  XML_Parser parser = nullptr;  // to stop it from a handler
  std::string root;
  std::vector<std::string> open;  // element names from the root down to the current one
  std::string text;               // text of the innermost open element
  bool in_result_credentials = false;
  std::string access_key_id, secret_access_key, session_token, expiration;
  bool has_credentials = false;
  bool has_error = false;
  std::string error_code, error_message;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string trimmed(const std::string& s) {
  // Pretty-printed answers put whitespace around values.
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto& doc = *static_cast<StsDocument*>(data);
  if (doc.open.empty()) doc.root = name;
  doc.open.emplace_back(name);
  doc.text.clear();
  const auto& o = doc.open;
  if (o.size() == 3 && o[2] == "Credentials" && ends_with(o[1], "Result") &&
      ends_with(o[0], "Response") && o[0] != "ErrorResponse") {
    doc.has_credentials = true;
  }
  if (o.size() == 2 && o[0] == "ErrorResponse" && o[1] == "Error") doc.has_error = true;
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
  auto& doc = *static_cast<StsDocument*>(data);
  const auto& o = doc.open;
  if (o.size() == 4 && o[2] == "Credentials" && ends_with(o[1], "Result") &&
      o[0] != "ErrorResponse") {
    std::string value = trimmed(doc.text);
    if (o[3] == "AccessKeyId") doc.access_key_id = std::move(value);
    if (o[3] == "SecretAccessKey") doc.secret_access_key = std::move(value);
    if (o[3] == "SessionToken") doc.session_token = std::move(value);
    if (o[3] == "Expiration") doc.expiration = std::move(value);
  } else if (o.size() == 3 && o[0] == "ErrorResponse" && o[1] == "Error") {
    if (o[2] == "Code") doc.error_code = trimmed(doc.text);
    if (o[2] == "Message") doc.error_message = trimmed(doc.text);
  }
  doc.open.pop_back();
  doc.text.clear();
}

void XMLCALL on_text(void* data, const XML_Char* s, int len) {
  auto& doc = *static_cast<StsDocument*>(data);
  // Answers are a few KiB: a runaway text node means this is not one.
  if (doc.text.size() + static_cast<std::size_t>(len) <= 64 * 1024) doc.text.append(s, len);
}

// STS answers have no DTD: a document with one (and so possible entity expansion) is refused.
void XMLCALL on_doctype(void* data, const XML_Char* /*name*/, const XML_Char* /*sysid*/,
                        const XML_Char* /*pubid*/, int /*has_internal_subset*/) {
  XML_StopParser(static_cast<StsDocument*>(data)->parser, XML_FALSE);
}

// Parses `xml` with expat (no external entities are ever loaded by it); nullopt when the
// document is not well-formed XML.
std::optional<StsDocument> read_sts(std::string_view xml) {
  if (xml.size() > INT_MAX) return std::nullopt;
  Parser parser(XML_ParserCreate("UTF-8"));
  if (!parser) return std::nullopt;
  StsDocument doc;
  doc.parser = parser.get();
  XML_SetUserData(parser.get(), &doc);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) !=
      XML_STATUS_OK) {
    return std::nullopt;
  }
  if (doc.root.empty()) return std::nullopt;
  return doc;
}

}  // namespace

core::Result<Credentials> parse_sts_credentials(std::string_view xml, std::string source) {
  auto doc = read_sts(xml);
  if (!doc) return core::make_error("STS answer is not XML");
  if (!ends_with(doc->root, "Response") || doc->root == "ErrorResponse") {
    return core::make_error("STS answer is not an AssumeRole response (root element <" + doc->root +
                            ">)");
  }
  if (!doc->has_credentials) return core::make_error("STS answer without <Credentials>");
  Credentials credentials;
  credentials.source = std::move(source);
  credentials.access_key_id = std::move(doc->access_key_id);
  credentials.secret_access_key = std::move(doc->secret_access_key);
  credentials.session_token = std::move(doc->session_token);
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty()) {
    return core::make_error(
        "STS answer without AccessKeyId, SecretAccessKey or SessionToken in <Credentials>");
  }
  auto when = parse_iso8601(doc->expiration);
  if (!when) {
    return core::make_error("STS answer with a bad Expiration \"" + doc->expiration + "\"");
  }
  credentials.expiration = *when;
  return credentials;
}

std::optional<StsError> parse_sts_error(std::string_view xml) {
  auto doc = read_sts(xml);
  if (!doc || doc->root != "ErrorResponse" || !doc->has_error) return std::nullopt;
  return StsError{std::move(doc->error_code), std::move(doc->error_message)};
}

}  // namespace vigil::aws
