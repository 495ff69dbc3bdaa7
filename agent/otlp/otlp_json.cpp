#include "agent/otlp/otlp_json.h"

#include <string_view>

#include <google/protobuf/descriptor.h>

#include "agent/otlp/json_text.h"

namespace vigil::otlp {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr std::string_view kOtlpPackagePrefix = "opentelemetry.proto.";

// OTLP/JSON writes trace and span ids as hex, unlike every other bytes field (base64). They are
// named alike wherever they occur (Span, Span.Link, LogRecord, Exemplar, and the profiles
// signal), so matching the name within the OTLP packages covers messages added later too.
bool is_otlp_id(const FieldDescriptor& field) {
  if (field.type() != FieldDescriptor::TYPE_BYTES) return false;
  const std::string& name = field.name();
  if (name != "trace_id" && name != "span_id" && name != "parent_span_id") return false;
  return std::string_view(field.file()->package()).starts_with(kOtlpPackagePrefix);
}

void append_message(const Message& msg, std::string& out);

// One value of `field`: the singular value when `index` < 0, else element `index`.
void append_value(const Message& msg, const Reflection& refl, const FieldDescriptor& field,
                  int index, std::string& out) {
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      append_json_int(
          repeated ? refl.GetRepeatedInt32(msg, &field, index) : refl.GetInt32(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      append_json_uint(
          repeated ? refl.GetRepeatedUInt32(msg, &field, index) : refl.GetUInt32(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      append_json_quoted_int(
          repeated ? refl.GetRepeatedInt64(msg, &field, index) : refl.GetInt64(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      append_json_quoted_uint(
          repeated ? refl.GetRepeatedUInt64(msg, &field, index) : refl.GetUInt64(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      append_json_double(
          repeated ? refl.GetRepeatedDouble(msg, &field, index) : refl.GetDouble(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      append_json_float(
          repeated ? refl.GetRepeatedFloat(msg, &field, index) : refl.GetFloat(msg, &field), out);
      return;
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool v =
          repeated ? refl.GetRepeatedBool(msg, &field, index) : refl.GetBool(msg, &field);
      out += v ? "true" : "false";
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      // The number, never the name: OTLP/JSON requires integers, and a number unknown to our
      // schema still round-trips.
      append_json_int(
          repeated ? refl.GetRepeatedEnumValue(msg, &field, index) : refl.GetEnumValue(msg, &field),
          out);
      return;
    case FieldDescriptor::CPPTYPE_STRING: {
      // The scratch string is only filled for non-std::string storage (cords); normally the
      // reference points into the message and nothing is copied.
      std::string scratch;
      const std::string& v = repeated
                                 ? refl.GetRepeatedStringReference(msg, &field, index, &scratch)
                                 : refl.GetStringReference(msg, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_STRING) {
        append_json_string(v, out);
      } else if (is_otlp_id(field)) {
        append_json_hex(v, out);
      } else {
        append_json_base64(v, out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      append_message(
          repeated ? refl.GetRepeatedMessage(msg, &field, index) : refl.GetMessage(msg, &field),
          out);
      return;
  }
}

// proto3 JSON writes a map as an object whose keys are the map keys as strings. OTLP has no
// maps; this keeps the encoder correct for any message it is given.
void append_map(const Message& msg, const Reflection& refl, const FieldDescriptor& field,
                std::string& out) {
  const Descriptor& entry_type = *field.message_type();
  const FieldDescriptor& key_field = *entry_type.map_key();
  const FieldDescriptor& value_field = *entry_type.map_value();
  out += '{';
  const int n = refl.FieldSize(msg, &field);
  for (int i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    const Message& entry = refl.GetRepeatedMessage(msg, &field, i);
    const Reflection& entry_refl = *entry.GetReflection();
    if (key_field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      append_value(entry, entry_refl, key_field, -1, out);
    } else if (key_field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      out += entry_refl.GetBool(entry, &key_field) ? "\"true\"" : "\"false\"";
    } else {
      // Integer keys: 64-bit ones are already quoted; 32-bit ones need the quotes added.
      const bool wide = key_field.cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
                        key_field.cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
      if (!wide) out += '"';
      append_value(entry, entry_refl, key_field, -1, out);
      if (!wide) out += '"';
    }
    out += ':';
    append_value(entry, entry_refl, value_field, -1, out);
  }
  out += '}';
}

void append_message(const Message& msg, std::string& out) {
  const Descriptor& type = *msg.GetDescriptor();
  const Reflection& refl = *msg.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    // HasField is proto3's rule exactly: for fields without presence it means "not the
    // default"; for sub-messages, oneof members and `optional` scalars it means "set".
    if (field.is_repeated() ? refl.FieldSize(msg, &field) == 0 : !refl.HasField(msg, &field)) {
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += '"';
    out += field.json_name();
    out += "\":";
    if (field.is_map()) {
      append_map(msg, refl, field, out);
    } else if (field.is_repeated()) {
      out += '[';
      const int n = refl.FieldSize(msg, &field);
      for (int k = 0; k < n; ++k) {
        if (k > 0) out += ',';
        append_value(msg, refl, field, k, out);
      }
      out += ']';
    } else {
      append_value(msg, refl, field, -1, out);
    }
  }
  out += '}';
}

}  // namespace

void append_otlp_json(const google::protobuf::Message& msg, std::string& out) {
  append_message(msg, out);
}

}  // namespace vigil::otlp
