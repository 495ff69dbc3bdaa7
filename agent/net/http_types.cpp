#include "agent/net/http_types.h"

#include <algorithm>
#include <cctype>

#include <http_parser.h>

namespace vigil::net {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(
      a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

std::string_view find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (iequals(header.name, name)) return header.value;
  }
  return {};
}

std::string_view status_reason(int status) {
  // http-parser carries the IANA registry's phrases; it answers "<unknown>" for the rest.
  std::string_view reason = http_status_str(static_cast<enum http_status>(status));
  if (reason.empty() || reason.front() == '<') return "Unknown";
  return reason;
}

}  // namespace vigil::net
