#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/core/error.h"

namespace vigil::otlp {

// Deeper input is rejected. Far beyond any real request (a span attribute holding arrays nested
// 30 deep stays under it), and it bounds the work protobuf's recursive parser is handed.
inline constexpr std::size_t kMaxOtlpJsonDepth = 128;

// An OTLP id whose text is not hex (odd length, a non-hex character, an escape that is not
// ASCII) decodes to this one byte. No id has length 1, so the receiver's length check rejects
// it, exactly as it rejects valid hex of the wrong length, which decodes as it is.
inline constexpr std::string_view kInvalidOtlpId{"\0", 1};

// The one pass that turns OTLP/JSON into what protobuf's proto3 JSON parser reads:
// - checks that `json` is strict JSON (RFC 8259) whose top-level value is an object, nested at
//   most kMaxOtlpJsonDepth deep; protobuf alone would also take single quotes, bare keys and
//   trailing commas;
// - rewrites the string value of every object key named traceId, spanId, parentSpanId (or
//   trace_id, span_id, parent_span_id) from hex (either case) to base64, since proto3 JSON
//   reads bytes as base64. Only keys count: {"key":"traceId","value":{...}} is left alone;
// - replaces invalid UTF-8 and unpaired surrogate escapes (\ud800) in strings with U+FFFD, as
//   the encoder does on output: JavaScript and Python exporters send lone surrogates from
//   broken strings, and one bad attribute must not cost the whole request;
// - renames the empty key "" to "_": no field has either name, but protobuf 3.21 mistakes ""
//   for the enclosing message and writes the member's value into it as garbage.
// Returns true when `out` holds the text to parse, false when `json` needs no change (then
// `out` is untouched). Errors name the byte offset and what was expected. O(size of json);
// nothing is allocated beyond `out` and one small scratch buffer.
core::Result<bool> prepare_otlp_json(std::string_view json, std::string& out);

}  // namespace vigil::otlp
