#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::exporters::prometheus {

// The exposition formats the pull endpoint speaks (PROTOCOLS.md 4.4 and 4.5).
enum class ExpositionFormat : std::uint8_t {
  kText,           // text/plain; version=0.0.4
  kOpenMetrics1,   // application/openmetrics-text; version=1.0.0
  kOpenMetrics01,  // application/openmetrics-text; version=0.0.1 (rendered as 1.0.0: the same
                   // for everything we emit; only the Content-Type says 0.0.1)
};

constexpr bool is_openmetrics(ExpositionFormat f) { return f != ExpositionFormat::kText; }

// The Content-Type header value of `format`.
std::string_view content_type(ExpositionFormat format);

// What a scrape asked for and will get.
struct Negotiated {
  ExpositionFormat format = ExpositionFormat::kText;
  bool gzip = false;
};

// Picks the format from an Accept header (RFC 9110 12.5.1): each format's quality is the q of
// the most specific media range that matches it (`application/openmetrics-text` with version
// 1.0.0, 0.0.1 or none; `text/plain` with version 0.0.4 or none; `application/*`, `text/*`,
// `*/*`); the higher quality wins, a tie goes to the range listed first. OpenMetrics is chosen
// only when its quality is positive and beats text's. Anything else, including an absent or
// malformed header or one that accepts neither, gets text 0.0.4: scrapers expect an answer in
// some format rather than 406, as Prometheus' own client libraries do.
ExpositionFormat negotiate_format(std::string_view accept);

// True when an Accept-Encoding header accepts gzip: `gzip` or `x-gzip` with q > 0, or `*` with
// q > 0 when gzip is not listed itself.
bool accepts_gzip(std::string_view accept_encoding);

inline Negotiated negotiate(std::string_view accept, std::string_view accept_encoding) {
  return Negotiated{negotiate_format(accept), accepts_gzip(accept_encoding)};
}

}  // namespace vigil::exporters::prometheus
