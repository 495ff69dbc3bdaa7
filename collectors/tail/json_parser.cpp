#include "collectors/tail/json_parser.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <simdjson.h>

namespace vigil::collectors::tail {
namespace {

namespace ondemand = simdjson::ondemand;

constexpr std::size_t kKeyBudgetPerByte = 4;
constexpr std::size_t kKeyBudgetBase = 64 * 1024;

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

struct JsonFieldParser::Impl {
  ondemand::parser parser;
  // The line copied with the SIMDJSON_PADDING simdjson may read past its end.
  std::unique_ptr<char[]> padded;
  std::size_t padded_capacity = 0;
  // The dotted key of the value being read (nested objects append ".key").
  std::string key_path;
  // Bytes of dotted keys this line may still store. A long prefix repeated over many children
  // ({"<100 KB>":{"a":1,"b":1,...}}) would otherwise make a 1 MiB line store gigabytes.
  std::size_t key_budget = 0;
  ParsedLine* out = nullptr;
  ondemand::document doc;

  bool parse(std::string_view line, ParsedLine& result) {
    const std::size_t needed = line.size() + simdjson::SIMDJSON_PADDING;
    if (padded_capacity < needed) {
      padded_capacity = std::max(needed, 2 * padded_capacity);
      padded = std::make_unique<char[]>(padded_capacity);
    }
    if (!line.empty()) std::memcpy(padded.get(), line.data(), line.size());
    std::memset(padded.get() + line.size(), 0, simdjson::SIMDJSON_PADDING);
    out = &result;
    key_path.clear();
    key_budget = kKeyBudgetPerByte * line.size() + kKeyBudgetBase;
    if (parser.iterate(padded.get(), line.size(), padded_capacity).get(doc)) return false;
    ondemand::object object;
    if (doc.get_object().get(object)) return false;
    bool empty = true;
    if (!walk_object(object, 1, /*emitting=*/true, empty)) return false;
    // Nothing may follow the object: "{} x" is not one JSON document.
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
  }

  // Reads each field of `object` (at nesting `depth`). Emitting, as key_path + "." + key;
  // otherwise (inside arrays) only checking it. `empty` tells whether it had no field.
  bool walk_object(ondemand::object& object, int depth, bool emitting, bool& empty) {
    if (depth > kMaxJsonDepth) return false;
    const std::size_t prefix = key_path.size();
    for (auto field_result : object) {
      ondemand::field field;
      if (std::move(field_result).get(field)) return false;
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      empty = false;
      if (emitting) {
        key_path.resize(prefix);
        if (prefix != 0) key_path += '.';
        key_path += key;
      }
      // Top-level keys are views into simdjson's string buffer; dotted ones are stored.
      if (!read_value(field.value(), depth, emitting && depth == 1 ? key : std::string_view(),
                      emitting)) {
        return false;
      }
    }
    key_path.resize(prefix);
    return true;
  }

  // The field key_path = `value`, unless only checking. False when the dotted keys would exceed
  // their storage budget.
  [[nodiscard]] bool emit(bool emitting, int depth, std::string_view top_key, FieldValue value) {
    if (!emitting) return true;
    std::string_view key = top_key;
    if (depth > 1) {
      if (key_path.size() > key_budget) return false;
      key_budget -= key_path.size();
      key = out->store(key_path);
    }
    out->fields.push_back({key, value});
    return true;
  }

  // Reads one value held at nesting `depth`: emits it as a field, or (not emitting: inside an
  // array) reads it only to find malformed content.
  bool read_value(ondemand::value value, int depth, std::string_view top_key, bool emitting) {
    ondemand::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
      case ondemand::json_type::object: {
        ondemand::object object;
        bool empty = true;
        if (value.get_object().get(object) || !walk_object(object, depth + 1, emitting, empty)) {
          return false;
        }
        return !empty || emit(emitting, depth, top_key, FieldValue::string("{}"));
      }
      case ondemand::json_type::array: {
        std::string_view text;
        return read_array(value, depth + 1, text) &&
               emit(emitting, depth, top_key, FieldValue::string(text));
      }
      case ondemand::json_type::string: {
        std::string_view text;
        return !value.get_string().get(text) &&
               emit(emitting, depth, top_key, FieldValue::string(text));
      }
      case ondemand::json_type::number: {
        FieldValue number;
        return read_number(value, number) && emit(emitting, depth, top_key, number);
      }
      case ondemand::json_type::boolean: {
        bool b = false;
        return !value.get_bool().get(b) &&
               emit(emitting, depth, top_key, FieldValue::boolean(b, b ? "true" : "false"));
      }
      case ondemand::json_type::null: {
        bool is_null = false;
        return !value.is_null().get(is_null) && is_null &&
               emit(emitting, depth, top_key, FieldValue::null("null"));
      }
    }
    return false;
  }

  // The number's own text, read with std::from_chars (infer_field_value): simdjson 3.0.1's
  // On-Demand number parsing, as compiled here (its portable "fallback" kernel), misreads some
  // decimals of more than 19 digits (-0.23423372036854775808 as -0.0497...; get_number() gives 0).
  // Integers beyond int64 and numbers beyond double keep their text (no precision lost).
  static bool read_number(ondemand::value& value, FieldValue& result) {
    const std::string_view raw = trim_right(value.raw_json_token());
    bool integral = false;
    if (!is_json_number(raw, integral)) return false;
    result = infer_field_value(raw);
    return true;
  }

  // Reads an array (at nesting `depth`) element by element and returns its JSON text as written.
  bool read_array(ondemand::value& value, int depth, std::string_view& text) {
    if (depth > kMaxJsonDepth) return false;
    const char* const begin = value.raw_json_token().data();
    ondemand::array array;
    if (value.get_array().get(array)) return false;
    for (auto element_result : array) {
      ondemand::value element;
      if (std::move(element_result).get(element) ||
          !read_value(element, depth, {}, /*emitting=*/false)) {
        return false;
      }
    }
    // The iterator now stands on the first token after the array's ']' (the document is an
    // object, so there always is one: ',' or '}'); the text runs back to that ']'.
    const auto location = doc.current_location();
    if (location.error()) return false;
    const char* end = location.value_unsafe();
    while (end > begin && end[-1] != ']') --end;
    if (end == begin) return false;
    text = std::string_view(begin, static_cast<std::size_t>(end - begin));
    return true;
  }
};

JsonFieldParser::JsonFieldParser() : impl_(std::make_unique<Impl>()) {}
JsonFieldParser::~JsonFieldParser() = default;

bool JsonFieldParser::parse(std::string_view line, ParsedLine& out) {
  return impl_->parse(line, out);
}

}  // namespace vigil::collectors::tail
