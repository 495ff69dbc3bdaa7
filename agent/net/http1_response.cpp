#include "agent/net/http1_response.h"

#include <array>
#include <cctype>
#include <ctime>

#include <fmt/format.h>

namespace vigil::net {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_token_char(unsigned char c) {
  if (std::isalnum(c)) return true;
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

bool valid_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool server_controlled(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "date") || iequals(name, "connection") ||
         iequals(name, "transfer-encoding");
}

}  // namespace

std::string format_http_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "Thu, 01 Jan 1970 00:00:00 GMT";
  // Names by hand: strftime's %a and %b follow the process locale, HTTP wants English.
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kDays.at(tm.tm_wday),
                     tm.tm_mday, kMonths.at(tm.tm_mon), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

Http1ResponseHead encode_http1_response_head(int status, const HttpHeaders& headers,
                                             std::size_t body_size, const Http1Framing& framing) {
  Http1ResponseHead out;
  const bool bodiless_status = status == 204 || status == 304;
  out.send_body = !framing.head_request && !bodiless_status;

  auto& b = out.bytes;
  b.reserve(128 + headers.size() * 48);
  fmt::format_to(std::back_inserter(b), "HTTP/1.1 {} {}\r\n", status, status_reason(status));
  for (const auto& header : headers) {
    if (server_controlled(header.name) || !valid_name(header.name) || !valid_value(header.value)) {
      ++out.dropped_headers;
      continue;
    }
    fmt::format_to(std::back_inserter(b), "{}: {}\r\n", header.name, header.value);
  }
  if (!bodiless_status) fmt::format_to(std::back_inserter(b), "Content-Length: {}\r\n", body_size);
  fmt::format_to(std::back_inserter(b), "Date: {}\r\n", framing.date);
  if (framing.close) {
    b += "Connection: close\r\n";
  } else if (framing.announce_keep_alive) {
    b += "Connection: keep-alive\r\n";
  }
  b += "\r\n";
  return out;
}

}  // namespace vigil::net
