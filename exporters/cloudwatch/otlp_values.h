#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/repeated_ptr_field.h>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace vigil::exporters::cloudwatch {

using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;

// The value of attribute `key`, or null.
const AnyValue* find_attribute(const KeyValues& attributes, std::string_view key);

// An attribute value as text: strings as they are, numbers and booleans as their JSON text,
// bytes as base64, arrays and maps as JSON (dimension values, template fields, series keys).
std::string any_value_text(const AnyValue& value);

// Appends `value` as plain JSON (not OTLP/JSON): maps become objects, arrays arrays, bytes
// base64 strings; invalid UTF-8 is replaced by U+FFFD, NaN and infinities become strings.
void append_any_value_json(const AnyValue& value, std::string& out);

// Appends attributes as a JSON object, values as append_any_value_json writes them.
void append_attributes_json(const KeyValues& attributes, std::string& out);

}  // namespace vigil::exporters::cloudwatch
