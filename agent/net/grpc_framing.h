#pragma once

// The gRPC wire pieces that sit on top of HTTP/2 (PROTOCOLS.md section 2.2): length-prefixed
// messages, status codes, the percent-encoded grpc-message and base64 binary metadata. Pure
// functions, no I/O, so they are tested and fuzzed on their own.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/net/compression.h"

namespace vigil::net {

// gRPC status codes (grpc/doc/statuscodes.md). A plain enum: GrpcResponse::code is an int.
enum GrpcCode : int {
  kGrpcOk = 0,
  kGrpcCancelled = 1,
  kGrpcUnknown = 2,
  kGrpcInvalidArgument = 3,
  kGrpcDeadlineExceeded = 4,
  kGrpcNotFound = 5,
  kGrpcAlreadyExists = 6,
  kGrpcPermissionDenied = 7,
  kGrpcResourceExhausted = 8,
  kGrpcFailedPrecondition = 9,
  kGrpcAborted = 10,
  kGrpcOutOfRange = 11,
  kGrpcUnimplemented = 12,
  kGrpcInternal = 13,
  kGrpcUnavailable = 14,
  kGrpcDataLoss = 15,
  kGrpcUnauthenticated = 16,
};

inline constexpr std::size_t kGrpcPrefixBytes = 5;  // compressed flag + 32-bit length
// The request encodings this server decodes, as sent in grpc-accept-encoding.
inline constexpr std::string_view kGrpcAcceptEncoding = "identity,gzip,zstd";

// The 5-byte prefix of one message followed by the message; `compressed` sets the flag (the
// message is then already compressed with the call's grpc-encoding).
std::string encode_grpc_message(std::string_view message, bool compressed = false);

// True for "application/grpc", "application/grpc+proto", "application/grpc;..." (and not for
// look-alikes such as "application/grpc-web").
bool is_grpc_content_type(std::string_view content_type);

// The codec of a grpc-encoding value: "identity" (or absent) is kNone, "gzip" and "zstd" are
// decoded; anything else (deflate, snappy, unknown names) is nullopt (UNIMPLEMENTED).
std::optional<Codec> parse_grpc_encoding(std::string_view value);

// grpc-message: bytes outside printable ASCII and '%' become %XX (PROTOCOL-HTTP2.md).
std::string percent_encode_grpc_message(std::string_view message);
// The inverse; malformed escapes are kept as they are (as the spec asks of receivers).
std::string percent_decode_grpc_message(std::string_view encoded);

// Values of "-bin" metadata: base64 without padding (what gRPC emits; receivers accept both).
// Nothing when libcrypto, whose encoder this is, cannot be loaded: the metadata is optional
// (grpc-status-details-bin adds RetryInfo to a status that is sent anyway).
std::optional<std::string> encode_grpc_binary_value(std::string_view bytes);

// Collects the length-prefixed messages of one unary request as DATA arrives, without buffering
// more than one message, nor more than `max_message_bytes` of it: the length prefix is checked
// before the message bytes are kept.
class GrpcMessageReader {
 public:
  enum class State : std::uint8_t {
    kPrefix,    // waiting for (the rest of) a prefix
    kMessage,   // inside the message
    kComplete,  // one whole message read; more bytes are an error (kTooMany)
    kTooLarge,  // the prefix announced more than max_message_bytes
    kBadFlag,   // a compressed flag other than 0 or 1
    kTooMany,   // bytes after the first message: a second message in a unary call
  };

  explicit GrpcMessageReader(std::size_t max_message_bytes) : max_(max_message_bytes) {}

  // Takes the next bytes of the stream; returns the state afterwards. Once in an error state
  // further input is ignored.
  State feed(std::string_view data);
  State state() const { return state_; }
  bool failed() const { return state_ > State::kComplete; }
  // Nothing at all arrived (a request without a message).
  bool empty() const { return state_ == State::kPrefix && prefix_used_ == 0; }
  bool compressed() const { return compressed_; }
  // The length the prefix announced (valid from kMessage on).
  std::uint32_t announced_length() const { return length_; }
  // Bytes held now (prefix and message), for the connection's memory accounting.
  std::size_t buffered_bytes() const { return prefix_used_ + message_.size(); }
  // The message, once kComplete (moved out).
  std::string take_message() { return std::move(message_); }

 private:
  std::size_t max_;
  State state_ = State::kPrefix;
  unsigned char prefix_[kGrpcPrefixBytes] = {};
  std::size_t prefix_used_ = 0;
  bool compressed_ = false;
  std::uint32_t length_ = 0;
  std::string message_;
};

}  // namespace vigil::net
