#pragma once

// How remote write reads a receiver's answer (PROTOCOLS.md section 4.1): 2xx delivered; 5xx and
// 429 retried with back-off (Retry-After honoured); every other status permanent, the server's
// message logged verbatim and the data dropped and counted; no answer at all (connection
// refused, reset, timeout) retried.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/export_pump.h"
#include "agent/net/http_client.h"

namespace vigil::exporters::prometheus {

enum class RemoteWriteOutcome : std::uint8_t { kDelivered, kRetryable, kPermanent };

struct RemoteWriteVerdict {
  RemoteWriteOutcome outcome = RemoteWriteOutcome::kDelivered;
  std::optional<core::Duration> retry_after;
  // "HTTP 400 Bad Request: <the server's body>" or the transport error, for logs.
  std::string message;
};

RemoteWriteVerdict classify_remote_write_response(const net::HttpClientResponse& response,
                                                  std::int64_t now_unix_nanos);

// A server's body as one log-safe line: at most `max_bytes` (cut at a UTF-8 boundary, "..."
// appended), control characters and newlines shown as spaces, surrounding blanks trimmed.
std::string response_text(std::string_view body, std::size_t max_bytes = 1024);

}  // namespace vigil::exporters::prometheus
