#pragma once

// Decoders of what OTLP servers answer (PROTOCOLS.md 1.4, 2.2, 2.3): the Export*ServiceResponse
// of a success (its partial_success), a failure's google.rpc.Status (with google.rpc.RetryInfo
// in its details), gRPC's grpc-status-details-bin (base64 of a Status) and the length-prefixed
// gRPC response message. Outside input: every function here is fuzzed
// (tests/fuzz/otlp_export_response_fuzz.cpp) and never trusts a length or a count.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/clock.h"
#include "agent/core/error.h"
#include "agent/core/signal.h"

namespace vigil::exporters::otlp_exporter {

// How a body is encoded: OTLP answers in the encoding of the request.
enum class BodyEncoding : std::uint8_t { kProtobuf, kJson };

// An Export*ServiceResponse's partial_success. All zero / empty (or absent) is full success;
// a message with nothing rejected is a warning.
struct PartialSuccess {
  std::uint64_t rejected = 0;  // rejected_spans / rejected_log_records / rejected_data_points
  std::string error_message;
};

// Decodes the Export*ServiceResponse of `signal`. An empty body is full success. Negative
// rejected counts (the field is int64) read as zero.
core::Result<PartialSuccess> decode_partial_success(core::Signal signal, BodyEncoding encoding,
                                                    std::string_view body);

// A google.rpc.Status with what the exporter acts on: the message for logs and, when a detail
// is a google.rpc.RetryInfo, its retry_delay (a negative delay is ignored).
struct RpcStatus {
  int code = 0;
  std::string message;
  std::optional<core::Duration> retry_delay;
};

// Protobuf: the Status message; its Any details are matched by type URL suffix
// "/google.rpc.RetryInfo". JSON: the proto3 mapping, {"code":8,"message":"...","details":
// [{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}.
core::Result<RpcStatus> decode_rpc_status(BodyEncoding encoding, std::string_view body);

// A proto3 JSON google.protobuf.Duration: "1.5s", "-2s", "0.000000001s" (up to 9 fraction
// digits). Saturates beyond about 292 years.
std::optional<core::Duration> parse_json_duration(std::string_view text);

// Standard or URL-safe base64, padded or not (gRPC "-bin" metadata); nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view text);

// The message of a unary gRPC response body: one length-prefixed message (5-byte prefix),
// decompressed with `grpc_encoding` (the response's grpc-encoding header) when its flag says
// so, at most `max_bytes` once decompressed. An empty body is an empty message.
core::Result<std::string> decode_grpc_response_message(std::string_view body,
                                                       std::string_view grpc_encoding,
                                                       std::size_t max_bytes);

}  // namespace vigil::exporters::otlp_exporter
