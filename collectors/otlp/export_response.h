#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/core/clock.h"
#include "agent/core/signal.h"

namespace vigil::collectors::otlp {

// How a request body (and so its answer) is encoded.
enum class Encoding : std::uint8_t { kProtobuf, kJson };

// gRPC status codes the receiver answers with (PROTOCOLS.md 2.3).
inline constexpr int kGrpcOk = 0;
inline constexpr int kGrpcInvalidArgument = 3;
inline constexpr int kGrpcResourceExhausted = 8;
inline constexpr int kGrpcUnimplemented = 12;
inline constexpr int kGrpcInternal = 13;
inline constexpr int kGrpcUnavailable = 14;
inline constexpr int kGrpcUnauthenticated = 16;

// The Export<Signal>ServiceResponse of `signal`: partial_success set only when `rejected` > 0
// (an empty message otherwise: full success).
std::string encode_export_response(core::Signal signal, Encoding encoding, std::uint64_t rejected,
                                   std::string_view error_message);

// A google.rpc.Status (the body of OTLP/HTTP failures).
std::string encode_status(Encoding encoding, int code, std::string_view message);

// A google.rpc.Status carrying a google.rpc.RetryInfo (gRPC grpc-status-details-bin).
std::string encode_status_with_retry(int code, std::string_view message, core::Duration delay);

}  // namespace vigil::collectors::otlp
