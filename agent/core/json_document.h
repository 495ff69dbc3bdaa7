#pragma once

#include <cstddef>
#include <string_view>

#include <rapidjson/document.h>

namespace vigil::core {

// Reading JSON documents that come from outside (AWS answers, OTLP error bodies, state files)
// with RapidJSON, the same way everywhere.

// Parses `text` as one JSON document: strings' UTF-8 validated, nesting kept on the heap (no
// recursion over outside input), nothing but whitespace after the value. nullptr on success,
// else RapidJSON's description of what is wrong.
const char* parse_json_document(std::string_view text, rapidjson::Document& document);

// Whether `text` holds only JSON whitespace from `at` on.
bool only_json_whitespace_from(std::string_view text, std::size_t at);

// The member `key` of `object` when `object` is an object and the member is of the kind `is`
// tells (e.g. &rapidjson::Value::IsString); else nullptr.
const rapidjson::Value* json_member(const rapidjson::Value& object, const char* key,
                                    bool (rapidjson::Value::*is)() const);

// The text of a string value (which may hold NUL bytes).
inline std::string_view json_string(const rapidjson::Value& value) {
  return std::string_view(value.GetString(), value.GetStringLength());
}

}  // namespace vigil::core
