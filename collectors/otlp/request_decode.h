#pragma once

#include <string_view>

#include <google/protobuf/message.h>

#include "agent/core/error.h"
#include "collectors/otlp/export_response.h"

namespace vigil::collectors::otlp {

// Decodes an export request body into `out` (an Export*ServiceRequest, usually on an arena):
// protobuf wire format (unknown fields kept, so they travel on) or OTLP/JSON (PROTOCOLS.md
// 1.3, unknown fields ignored). The error says what is wrong, for the 400 / INVALID_ARGUMENT.
core::Result<void> decode_request(Encoding encoding, std::string_view body,
                                  google::protobuf::Message& out);

}  // namespace vigil::collectors::otlp
