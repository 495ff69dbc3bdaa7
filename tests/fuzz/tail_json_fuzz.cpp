// JSON log lines (the tail collector's parser = "json"): parsing must not crash, and whatever
// JsonFieldParser accepts must agree with simdjson's DOM parser, an independent full parse of the
// same text: the same flattened keys in the same order, the same typed values, arrays whose text
// parses to the same JSON. Lines the DOM parser accepts are accepted too, unless nested deeper
// than kMaxJsonDepth. The full LineParser (deduplication, special fields) runs on every input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "collectors/tail/json_parser.h"
#include "collectors/tail/line_parser.h"

namespace {

using vigil::collectors::tail::FieldType;
using vigil::collectors::tail::FieldValue;
using vigil::collectors::tail::ParsedField;
using vigil::collectors::tail::ParsedLine;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

int depth_of(simdjson::dom::element e) {
  int deepest = 0;
  if (e.is_object()) {
    for (auto [key, value] : e.get_object()) deepest = std::max(deepest, depth_of(value));
    return deepest + 1;
  }
  if (e.is_array()) {
    for (auto value : e.get_array()) deepest = std::max(deepest, depth_of(value));
    return deepest + 1;
  }
  return 0;
}

std::string minified(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  check(!parser.parse(json).get(e));
  return simdjson::minify(e);
}

// Walks the DOM object in order, matching each leaf with the next parsed field.
void compare(simdjson::dom::object object, const std::string& prefix,
             const std::vector<ParsedField>& fields, std::size_t& next) {
  for (auto [key, value] : object) {
    const std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    if (value.is_object() && value.get_object().value().size() > 0) {
      compare(value.get_object().value(), path, fields, next);
      continue;
    }
    check(next < fields.size());
    const ParsedField& f = fields[next++];
    check(f.key == path);
    const FieldValue& v = f.value;
    switch (value.type()) {
      case simdjson::dom::element_type::OBJECT:
        check(v.type == FieldType::kString && v.text == "{}");
        break;
      case simdjson::dom::element_type::ARRAY:
        check(v.type == FieldType::kString);
        check(minified(v.text) == simdjson::minify(value));
        break;
      case simdjson::dom::element_type::STRING:
        check(v.type == FieldType::kString && v.text == value.get_string().value());
        break;
      case simdjson::dom::element_type::INT64:
        check(v.type == FieldType::kInt && v.int_value == value.get_int64().value());
        break;
      case simdjson::dom::element_type::UINT64:
        check(v.type == FieldType::kString && v.text == std::to_string(value.get_uint64().value()));
        break;
      case simdjson::dom::element_type::DOUBLE:
        // Integral-looking numbers beyond int64 keep their digits; others are doubles.
        if (v.type == FieldType::kDouble) {
          const double d = value.get_double().value();
          check(v.double_value == d);
        } else {
          check(v.type == FieldType::kString);
        }
        break;
      case simdjson::dom::element_type::BOOL:
        check(v.type == FieldType::kBool && v.bool_value == value.get_bool().value());
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        check(v.type == FieldType::kNull);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static vigil::collectors::tail::JsonFieldParser json;
  static simdjson::dom::parser dom;
  static auto line_parser = [] {
    vigil::collectors::tail::ParserConfig config;
    config.kind = vigil::collectors::tail::ParserKind::kJson;
    config.message_field = "msg";
    config.timestamp_field = "ts";
    config.severity_field = "level";
    config.detect_severity = true;
    return std::move(*vigil::collectors::tail::make_line_parser(config));
  }();
  const std::string_view line(reinterpret_cast<const char*>(data), size);

  ParsedLine out;
  const bool ok = json.parse(line, out);

  simdjson::dom::element root;
  const simdjson::padded_string padded(line);
  const auto error = dom.parse(padded).get(root);
  if (!error && root.is_object() && depth_of(root) <= vigil::collectors::tail::kMaxJsonDepth) {
    check(ok);
  }
  if (ok) {
    if (error) {
      // Only numbers beyond every range are read by JsonFieldParser and refused by the DOM.
      check(error == simdjson::NUMBER_ERROR);
    } else {
      check(root.is_object());
      std::size_t next = 0;
      compare(root.get_object().value(), "", out.fields, next);
      check(next == out.fields.size());
    }
  }

  ParsedLine full;
  if (line_parser->parse(line, full)) {
    for (std::size_t i = 0; i < full.fields.size(); ++i) {
      for (std::size_t j = i + 1; j < full.fields.size(); ++j) {
        check(full.fields[i].key != full.fields[j].key);
      }
    }
  } else {
    check(full.fields.empty());
  }
  return 0;
}
