#pragma once

#include <string_view>

#include <google/protobuf/message.h>

#include "agent/core/error.h"

namespace vigil::otlp {

// Fills `out` (any OTLP message; in practice the three Export*ServiceRequest types) from
// OTLP/JSON (PROTOCOLS.md 1.3), replacing what it held:
// - traceId, spanId and parentSpanId are hex, either case. Empty text leaves the id empty
//   (absent). Valid hex of the wrong length decodes as it is (15 bytes stay 15 bytes); text
//   that is not hex becomes kInvalidOtlpId (otlp_json_prepare.h), one byte. Neither is an
//   error here: every id with a length other than its own (16 bytes for trace ids, 8 for span
//   ids) or 0 is invalid, and the receiver rejects just those items (partial success);
// - other bytes fields are base64, standard or URL-safe, padded or not;
// - enums are integers or names (unknown names are ignored), 64-bit integers strings or
//   numbers, doubles also "NaN", "Infinity" and "-Infinity";
// - keys are lowerCamelCase or the proto field names; unknown keys are ignored at any depth;
// - invalid UTF-8 and unpaired surrogate escapes in strings become U+FFFD.
// The id rule goes by key name, not schema: any object key named like an id takes hex.
// Errors (not JSON, not an object, nested deeper than kMaxOtlpJsonDepth, a value of the wrong
// type) carry one short line for a 400 answer's google.rpc.Status; `out` is then cleared.
core::Result<void> parse_otlp_json(std::string_view json, google::protobuf::Message& out);

}  // namespace vigil::otlp
