#pragma once

#include <span>
#include <string>
#include <string_view>

#include "agent/core/error.h"

namespace vigil::collectors::otlp {

// Appends varint `value` to `out` (protobuf base-128, least significant group first).
void append_varint(std::string& out, std::uint64_t value);

// Appends `extras[i]` to the i-th occurrence of field 1 (ResourceSpans, ResourceMetrics or
// ResourceLogs) of a serialized Export*ServiceRequest, rewriting only the top-level length
// prefixes; every other byte is copied as it is. An extra is the encoding of one more field
// of that message (`resource`, field 1): protobuf merges a repeated occurrence of a message
// field into the first and concatenates repeated fields, so decoders see the resource's
// attributes followed by the appended ones, and nothing is re-encoded.
// An error (the caller then re-serializes) when the bytes are not what a successful parse
// implies: a truncated field, a group, or a count of field-1 occurrences other than
// extras.size().
core::Result<std::string> append_to_resources(std::string_view request,
                                              std::span<const std::string_view> extras);

}  // namespace vigil::collectors::otlp
