#include "exporters/cloudwatch/otlp_values.h"

#include "agent/otlp/json_text.h"

namespace vigil::exporters::cloudwatch {

const AnyValue* find_attribute(const KeyValues& attributes, std::string_view key) {
  for (const auto& kv : attributes) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

std::string any_value_text(const AnyValue& value) {
  if (value.value_case() == AnyValue::kStringValue) return value.string_value();
  std::string out;
  append_any_value_json(value, out);
  // A lone string inside JSON quotes is not wanted for scalars: numbers, booleans, base64.
  if (out.size() >= 2 && out.front() == '"' && value.value_case() == AnyValue::kBytesValue) {
    out = out.substr(1, out.size() - 2);
  }
  return out;
}

void append_any_value_json(const AnyValue& value, std::string& out) {
  switch (value.value_case()) {
    case AnyValue::kStringValue:
      otlp::append_json_string(value.string_value(), out);
      break;
    case AnyValue::kBoolValue:
      out += value.bool_value() ? "true" : "false";
      break;
    case AnyValue::kIntValue:
      otlp::append_json_int(value.int_value(), out);
      break;
    case AnyValue::kDoubleValue:
      otlp::append_json_double(value.double_value(), out);
      break;
    case AnyValue::kBytesValue:
      otlp::append_json_base64(value.bytes_value(), out);
      break;
    case AnyValue::kArrayValue: {
      out.push_back('[');
      bool first = true;
      for (const auto& v : value.array_value().values()) {
        if (!first) out.push_back(',');
        first = false;
        append_any_value_json(v, out);
      }
      out.push_back(']');
      break;
    }
    case AnyValue::kKvlistValue:
      append_attributes_json(value.kvlist_value().values(), out);
      break;
    case AnyValue::VALUE_NOT_SET:
      out += "null";
      break;
  }
}

void append_attributes_json(const KeyValues& attributes, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (const auto& kv : attributes) {
    if (!first) out.push_back(',');
    first = false;
    otlp::append_json_string(kv.key(), out);
    out.push_back(':');
    append_any_value_json(kv.value(), out);
  }
  out.push_back('}');
}

}  // namespace vigil::exporters::cloudwatch
