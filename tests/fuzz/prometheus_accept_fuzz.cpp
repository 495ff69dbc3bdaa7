// Accept and Accept-Encoding headers of scrapers, as the Prometheus pull endpoint negotiates
// them. The input is both headers, separated by the first newline.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporters/prometheus/exposition_negotiation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::exporters::prometheus;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view accept = input.substr(0, newline);
  const std::string_view encoding =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const Negotiated n = negotiate(accept, encoding);
  if (content_type(n.format).empty()) __builtin_trap();
  // OpenMetrics only when some media range names an application/ type.
  std::string lower(accept);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (is_openmetrics(n.format) && lower.find("application/") == std::string::npos &&
      lower.find("*/*") == std::string::npos) {
    __builtin_trap();
  }
  // gzip only when the header says gzip or *.
  std::string lower_encoding(encoding);
  std::transform(lower_encoding.begin(), lower_encoding.end(), lower_encoding.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n.gzip && lower_encoding.find("gzip") == std::string::npos &&
      lower_encoding.find('*') == std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
