// JSON log lines (the tail collector's parser = "json"): parsing must not crash, and whatever
// JsonFieldParser accepts must agree with RapidJSON's DOM (rapidjson::Document, a full parse of
// the same text, not the SAX events JsonFieldParser reads): the same flattened keys in the same
// order, the same typed values, arrays whose text parses to the same JSON. Lines the DOM accepts
// are accepted too, unless nested deeper than kMaxJsonDepth or holding a string that is not
// UTF-8 (RapidJSON 1.1.0's DOM lets a lone low surrogate escape through; JsonFieldParser refuses
// it). The full LineParser (deduplication, special fields) runs on every input.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "collectors/tail/json_parser.h"
#include "collectors/tail/line_parser.h"
#include "collectors/tail/utf8.h"

namespace {

using vigil::collectors::tail::FieldType;
using vigil::collectors::tail::FieldValue;
using vigil::collectors::tail::ParsedField;
using vigil::collectors::tail::ParsedLine;
using Value = rapidjson::Value;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

// The DOM's reading of `text`: one JSON value (numbers read exactly), nothing after it but
// whitespace. Iterative: deep nesting stays off the call stack.
rapidjson::ParseErrorCode parse_dom(std::string_view text, rapidjson::Document& document) {
  // Not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision conversion misreads zeros
  // written with many digits (and is undefined behaviour there); doubles are checked below
  // against strtod and, loosely, against this DOM.
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag;
  rapidjson::MemoryStream in(text.data(), text.size());
  document.ParseStream<kFlags, rapidjson::UTF8<>>(in);
  if (document.HasParseError()) return document.GetParseError();
  std::size_t at = in.Tell();
  while (at < text.size() &&
         (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
    ++at;
  }
  return at == text.size() ? rapidjson::kParseErrorNone
                           : rapidjson::kParseErrorDocumentRootNotSingular;
}

std::string_view string_of(const Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// True when `v` (an element at nesting `depth`) nests no deeper than kMaxJsonDepth and all its
// keys and strings are UTF-8.
bool acceptable(const Value& v, int depth) {
  if (v.IsString()) return vigil::collectors::tail::is_valid_utf8(string_of(v));
  if (!v.IsObject() && !v.IsArray()) return true;
  if (depth + 1 > vigil::collectors::tail::kMaxJsonDepth) return false;
  if (v.IsArray()) {
    for (const Value& e : v.GetArray()) {
      if (!acceptable(e, depth + 1)) return false;
    }
    return true;
  }
  for (const auto& m : v.GetObject()) {
    if (!acceptable(m.name, depth + 1) || !acceptable(m.value, depth + 1)) return false;
  }
  return true;
}

std::string minify(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  check(v.Accept(writer));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string minified(std::string_view json) {
  rapidjson::Document document;
  check(parse_dom(json, document) == rapidjson::kParseErrorNone);
  return minify(document);
}

// Walks the DOM object in order, matching each leaf with the next parsed field.
void compare(const Value& object, const std::string& prefix, const std::vector<ParsedField>& fields,
             std::size_t& next) {
  for (const auto& [name, value] : object.GetObject()) {
    const std::string key(string_of(name));
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.IsObject() && value.MemberCount() > 0) {
      compare(value, path, fields, next);
      continue;
    }
    check(next < fields.size());
    const ParsedField& f = fields[next++];
    check(f.key == path);
    const FieldValue& v = f.value;
    if (value.IsObject()) {
      check(v.type == FieldType::kString && v.text == "{}");
    } else if (value.IsArray()) {
      check(v.type == FieldType::kString);
      check(minified(v.text) == minify(value));
    } else if (value.IsString()) {
      check(v.type == FieldType::kString && v.text == string_of(value));
    } else if (value.IsInt64()) {
      check(v.type == FieldType::kInt && v.int_value == value.GetInt64());
    } else if (value.IsUint64()) {
      check(v.type == FieldType::kString && v.text == std::to_string(value.GetUint64()));
    } else if (value.IsDouble()) {
      // Integral-looking numbers beyond int64 keep their digits; others are doubles.
      if (v.type == FieldType::kDouble) {
        // Exactly the number written (glibc's strtod rounds correctly), and the DOM's reading
        // within its normal precision.
        check(v.double_value == std::strtod(std::string(v.text).c_str(), nullptr));
        const double dom = value.GetDouble();
        check(std::fabs(v.double_value - dom) <= 1e-12 * std::fabs(dom) ||
              std::fabs(v.double_value - dom) < 1e-300);
      } else {
        check(v.type == FieldType::kString);
      }
    } else if (value.IsBool()) {
      check(v.type == FieldType::kBool && v.bool_value == value.GetBool());
    } else {
      check(value.IsNull() && v.type == FieldType::kNull);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static vigil::collectors::tail::JsonFieldParser json;
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

  rapidjson::Document root;
  const rapidjson::ParseErrorCode error = parse_dom(line, root);
  const bool dom_ok = error == rapidjson::kParseErrorNone;
  if (dom_ok && root.IsObject() && acceptable(root, 0)) check(ok);
  if (ok) {
    if (!dom_ok) {
      // Only numbers beyond every range are read by JsonFieldParser and refused by the DOM.
      check(error == rapidjson::kParseErrorNumberTooBig);
    } else {
      check(root.IsObject() && acceptable(root, 0));
      std::size_t next = 0;
      compare(root, "", out.fields, next);
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
