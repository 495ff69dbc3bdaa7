#include "agent/core/json_document.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

namespace vigil::core {

const char* parse_json_document(std::string_view text, rapidjson::Document& document) {
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag;
  rapidjson::MemoryStream in(text.data(), text.size());
  document.ParseStream<kFlags, rapidjson::UTF8<>>(in);
  if (document.HasParseError()) return rapidjson::GetParseError_En(document.GetParseError());
  if (!only_json_whitespace_from(text, in.Tell())) {
    return rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular);
  }
  return nullptr;
}

bool only_json_whitespace_from(std::string_view text, std::size_t at) {
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

const rapidjson::Value* json_member(const rapidjson::Value& object, const char* key,
                                    bool (rapidjson::Value::*is)() const) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(key);
  if (found == object.MemberEnd() || !(found->value.*is)()) return nullptr;
  return &found->value;
}

}  // namespace vigil::core
