#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <google/protobuf/message.h>

#include "agent/core/error.h"
#include "agent/core/signal.h"

namespace vigil::otlp {

// Receives a complete export request of the batch's signal (ExportTraceServiceRequest,
// ExportLogsServiceRequest or ExportMetricsServiceRequest) that holds exactly one item. The
// message is only valid during the call.
using ItemVisitor = std::function<void(const google::protobuf::Message& single_item_request)>;

// Parses `payload`, the serialized export request of `signal`, and calls `visit` once per item,
// in order, each time with a request holding that item alone:
// - traces: one span, with its resource (and the resource's schema_url) and its scope (and
//   the scope's schema_url);
// - logs: one log record, likewise;
// - metrics: one data point, with its resource and scope as above and its metric's name,
//   description, unit, metadata, type, aggregation temporality and monotonicity.
// Returns the number of items visited: the payload's real count, whatever its batch claimed.
// A payload that does not parse is an error, and then `visit` has not been called.
core::Result<std::uint64_t> for_each_item(core::Signal signal, std::string_view payload,
                                          const ItemVisitor& visit);

}  // namespace vigil::otlp
