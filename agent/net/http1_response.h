#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/net/http_types.h"

namespace vigil::net {

// IMF-fixdate (RFC 9110 section 5.6.7): "Tue, 14 Nov 2023 22:13:20 GMT".
std::string format_http_date(std::int64_t unix_seconds);

// How the server frames one HTTP/1.1 response.
struct Http1Framing {
  bool head_request = false;         // HEAD: Content-Length of the body, but no body
  bool close = false;                // last response: "Connection: close"
  bool announce_keep_alive = false;  // HTTP/1.0 client that asked for keep-alive
  std::string_view date;             // format_http_date() of now
};

struct Http1ResponseHead {
  std::string bytes;                // status line, headers and the blank line
  bool send_body = true;            // false for HEAD, 204 and 304
  std::size_t dropped_headers = 0;  // invalid or server-controlled headers left out
};

// Serializes a response head. Content-Length, Date, Connection and Transfer-Encoding are the
// server's: the caller's versions are dropped, as are headers whose name is not a token or whose
// value holds CR, LF or NUL (response splitting). 204 and 304 carry no Content-Length and no body
// (RFC 9110 sections 8.6, 15.3.5, 15.4.5).
Http1ResponseHead encode_http1_response_head(int status, const HttpHeaders& headers,
                                             std::size_t body_size, const Http1Framing& framing);

}  // namespace vigil::net
