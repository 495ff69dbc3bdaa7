#include "agent/aws/sts_response.h"

#include <climits>
#include <memory>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "agent/aws/aws_time.h"

namespace vigil::aws {

namespace {

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Doc read_xml(std::string_view xml) {
  if (xml.size() > INT_MAX) return nullptr;
  // No network, no entity substitution, no DTD loading; errors stay off stderr.
  return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "sts.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

bool named(const xmlNode* node, std::string_view name) {
  return node->type == XML_ELEMENT_NODE && node->name != nullptr &&
         name == reinterpret_cast<const char*>(node->name);
}

const xmlNode* child(const xmlNode* parent, std::string_view name) {
  if (parent == nullptr) return nullptr;
  for (const xmlNode* n = parent->children; n != nullptr; n = n->next) {
    if (named(n, name)) return n;
  }
  return nullptr;
}

std::string text_of(const xmlNode* node) {
  if (node == nullptr) return {};
  std::string out;
  for (const xmlNode* n = node->children; n != nullptr; n = n->next) {
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content != nullptr) {
      out += reinterpret_cast<const char*>(n->content);
    }
  }
  // Pretty-printed answers put whitespace around values.
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = out.find_last_not_of(" \t\r\n");
  return out.substr(first, last - first + 1);
}

// Element names end in the operation: AssumeRoleWithWebIdentityResponse/...Result.
bool ends_with(const xmlNode* node, std::string_view suffix) {
  if (node->type != XML_ELEMENT_NODE || node->name == nullptr) return false;
  std::string_view name = reinterpret_cast<const char*>(node->name);
  return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

}  // namespace

core::Result<Credentials> parse_sts_credentials(std::string_view xml, std::string source) {
  Doc doc = read_xml(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr) return core::make_error("STS answer is not XML");
  if (!ends_with(root, "Response") || named(root, "ErrorResponse")) {
    return core::make_error("STS answer is not an AssumeRole response (root element <" +
                            std::string(reinterpret_cast<const char*>(root->name)) + ">)");
  }
  const xmlNode* result = nullptr;
  for (const xmlNode* n = root->children; n != nullptr; n = n->next) {
    if (ends_with(n, "Result")) result = n;
  }
  const xmlNode* credentials_node = child(result, "Credentials");
  if (credentials_node == nullptr) return core::make_error("STS answer without <Credentials>");
  Credentials credentials;
  credentials.source = std::move(source);
  credentials.access_key_id = text_of(child(credentials_node, "AccessKeyId"));
  credentials.secret_access_key = text_of(child(credentials_node, "SecretAccessKey"));
  credentials.session_token = text_of(child(credentials_node, "SessionToken"));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty() ||
      credentials.session_token.empty()) {
    return core::make_error(
        "STS answer without AccessKeyId, SecretAccessKey or SessionToken in <Credentials>");
  }
  const std::string expiration = text_of(child(credentials_node, "Expiration"));
  auto when = parse_iso8601(expiration);
  if (!when) return core::make_error("STS answer with a bad Expiration \"" + expiration + "\"");
  credentials.expiration = *when;
  return credentials;
}

std::optional<StsError> parse_sts_error(std::string_view xml) {
  Doc doc = read_xml(xml);
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !named(root, "ErrorResponse")) return std::nullopt;
  const xmlNode* error = child(root, "Error");
  if (error == nullptr) return std::nullopt;
  return StsError{text_of(child(error, "Code")), text_of(child(error, "Message"))};
}

}  // namespace vigil::aws
