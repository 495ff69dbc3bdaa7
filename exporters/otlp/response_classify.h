#pragma once

// The OTLP retry rules (PROTOCOLS.md 1.4, 2.2, 2.3; the OTLP specification's "Failures"):
// which answers are retried, after how long, and what a success's partial_success rejected.
// Pure functions of the response, so the whole table is unit tested.

#include <cstdint>
#include <string_view>

#include "agent/core/export_pump.h"
#include "agent/core/signal.h"
#include "agent/net/http_client.h"
#include "exporters/otlp/export_response.h"

namespace vigil::exporters::otlp_exporter {

// HTTP: only 429, 502, 503 and 504 are retried.
bool is_retryable_http_status(int status);

// gRPC: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS; and
// RESOURCE_EXHAUSTED only when the status carries a RetryInfo (the server says it can recover).
bool is_retryable_grpc_code(int code, bool has_retry_info);

// The gRPC code a client assumes when a (broken) proxy answers a gRPC call with a non-200 HTTP
// status and no grpc-status (grpc/doc/http-grpc-status-mapping.md).
int grpc_code_from_http_status(int status);

// "UNAVAILABLE", ..., "CODE_17" for codes outside the table.
std::string fmt_grpc_code(int code);

// Limits what an answer may make the exporter hold: gRPC response messages and decompressed
// HTTP bodies beyond this are treated as undecodable.
inline constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;

// The verdict on an OTLP/HTTP answer to a request of `signal` sent in `encoding`:
// - no HTTP response (connection refused or reset, timeout): retryable;
// - 2xx: ok, with the partial_success's rejected count (a body that does not decode is logged
//   by the caller through `reason` and still counts as success: the server took the data);
// - 429, 502, 503, 504: retryable, after the Retry-After header (seconds or an HTTP date, read
//   against `now_unix_nanos`) or else a RetryInfo in the Status body;
// - anything else: permanent, with the Status's message (or the start of a text body).
// The reason names the status and the server's message.
core::SendResult classify_http_response(core::Signal signal, BodyEncoding encoding,
                                        const net::HttpClientResponse& response,
                                        std::int64_t now_unix_nanos);

// The verdict on an OTLP/gRPC answer: grpc-status from the trailers (or a Trailers-Only
// answer's headers), else mapped from a non-200 HTTP status; grpc-message is percent-decoded,
// grpc-status-details-bin (a Status) supplies RetryInfo. OK decodes the length-prefixed
// Export*ServiceResponse for its partial_success. A 200 without grpc-status (a stream cut
// short by a proxy) is retryable, like a lost connection.
core::SendResult classify_grpc_response(core::Signal signal,
                                        const net::HttpClientResponse& response);

}  // namespace vigil::exporters::otlp_exporter
