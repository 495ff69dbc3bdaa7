#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigil::net {

struct HttpHeader {
  std::string name;  // lower-case on requests the server parsed
  std::string value;
};

using HttpHeaders = std::vector<HttpHeader>;

// Case-insensitive lookup; empty when absent.
std::string_view find_header(const HttpHeaders& headers, std::string_view name);

// Reason phrase for a status code ("Not Found"); "Unknown" when not a known code.
std::string_view status_reason(int status);

}  // namespace vigil::net
