#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "agent/core/signal.h"

namespace vigil::exporters::otlp_exporter {

// One export request cut from a larger one.
struct RequestPart {
  std::string payload;      // a serialized Export*ServiceRequest of the same signal
  std::uint64_t items = 0;  // spans, log records or metric data points in it
};

// Cuts `payload` (the serialized export request of `signal`) into requests of at most
// `max_bytes` each, by moving whole ResourceX groups where they fit and otherwise cutting a
// group into several groups with the same resource (and scope, and metric) and a share of its
// items. Works on the wire bytes: fields are copied as they are (unknown ones included) and no
// message is parsed. Items keep their order; every item lands in exactly one part. An item that
// alone exceeds `max_bytes` (with its resource and scope) gets a part of its own, which is then
// larger than asked. A payload that fits is returned as one part. Fails on malformed input.
core::Result<std::vector<RequestPart>> split_request(core::Signal signal, std::string_view payload,
                                                     std::size_t max_bytes);

// Protobuf merges repeated occurrences of a message field, and vigil's OTLP receiver relies on
// it: it appends a second `resource` field holding the agent's attributes to a ResourceX
// instead of re-encoding the request (collectors/otlp/wire_rewrite.h). Not every decoder
// merges: protobufjs, which JavaScript OTLP receivers use, keeps only the last occurrence and
// so loses the application's attributes. This returns `payload` with the `resource` fields of
// each ResourceX merged into its first one (their contents concatenated, which is protobuf's
// merge: attributes appended, a later scalar winning), or nullopt when no ResourceX repeats
// it. Copies bytes, parses nothing. Fails on malformed input.
core::Result<std::optional<std::string>> merge_repeated_resources(std::string_view payload);

// The items (spans, log records, data points) in a serialized export request, counted on the
// wire. Fails on malformed input.
core::Result<std::uint64_t> count_items(core::Signal signal, std::string_view payload);

}  // namespace vigil::exporters::otlp_exporter
