#pragma once

#include <string>
#include <string_view>

#include "agent/core/error.h"
#include "agent/net/http_types.h"

namespace vigil::aws {

// The pieces of SigV4's canonical request (PROTOCOLS.md section 6.1), for services other than
// S3 (S3 encodes the path once and does not normalize it; vigil does not talk to S3).

// Percent-encodes every byte except A-Z a-z 0-9 - _ . ~ (and '/' when `keep_slash`), with
// uppercase hex digits.
std::string uri_encode(std::string_view text, bool keep_slash);
// Decodes %XX sequences; a '%' not followed by two hex digits stays as it is, '+' stays '+'.
std::string percent_decode(std::string_view text);

// An http(s) URL split as SigV4 needs it. `host_header` is the Host header libcurl sends for it:
// the host as written (IPv6 in brackets) and the port only when it is not the scheme's default.
struct UrlParts {
  std::string scheme;  // lower-case
  std::string host_header;
  std::string path;   // as written, "" when none
  std::string query;  // after '?', without the fragment
};
core::Result<UrlParts> split_url(std::string_view url);

// The wire path with "." and ".." segments and empty segments removed (a trailing '/' is kept),
// then URI-encoded with '/' kept: the path is thus encoded twice, as AWS expects outside S3.
std::string canonical_uri(std::string_view path);
// Each name and value decoded, then URI-encoded, sorted by name then value, joined with '&';
// a parameter without '=' has an empty value.
std::string canonical_query(std::string_view query);

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header, sorted by name
  std::string signed_names;  // "content-type;host;x-amz-date"
};
// Names lower-cased, values trimmed with inner runs of whitespace collapsed to one space, values
// of repeated headers joined with ','. Headers that clients or proxies may change in transit are
// left out (see is_unsigned_header).
CanonicalHeaders canonical_headers(const net::HttpHeaders& headers);
// User-Agent, Expect, Content-Length, Transfer-Encoding, X-Amzn-Trace-Id, Authorization.
bool is_unsigned_header(std::string_view lower_case_name);

}  // namespace vigil::aws
