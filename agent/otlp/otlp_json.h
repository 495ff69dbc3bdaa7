#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace vigil::otlp {

// Appends `msg` (any OTLP message: an export request, a resource, a span, a log record, a
// metric, a data point, ...) to `out` as OTLP/JSON (PROTOCOLS.md 1.3):
// - keys are the fields' lowerCamelCase json_name, in declaration order;
// - enums are integers; 64-bit integers are decimal strings; other integers and bools are
//   JSON numbers and literals; doubles are numbers, NaN and the infinities the strings "NaN",
//   "Infinity" and "-Infinity";
// - trace_id, span_id and parent_span_id of OTLP messages are lowercase hex strings, all other
//   bytes base64;
// - a field at its proto3 default is omitted; a field with presence (sub-message, oneof member,
//   `optional` scalar) appears whenever it is set, even at its default (`"asDouble":0`);
// - strings are escaped, invalid UTF-8 replaced by U+FFFD, so the output is always valid JSON.
// Unknown fields are skipped. Well-known types (Any, Duration, wrappers) get no special
// mapping: OTLP uses none. Nothing is allocated beyond growing `out`.
void append_otlp_json(const google::protobuf::Message& msg, std::string& out);

}  // namespace vigil::otlp
