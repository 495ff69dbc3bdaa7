#include "agent/net/socket_address.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <netinet/in.h>
#include <uv.h>

namespace vigil::net {

namespace {

constexpr std::string_view kLoopback = "127.0.0.1";
constexpr std::size_t kMaxPortDigits = 5;

core::Result<SocketAddress> invalid(std::string_view text, std::string_view reason) {
  // {:?} quotes and escapes, so control bytes in a config value stay visible in the message.
  return core::make_error(
      fmt::format("expected an address like \"127.0.0.1:4318\", got {:?}: {}", text, reason));
}

}  // namespace

std::string SocketAddress::to_string() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

core::Result<SocketAddress> parse_listen_address(std::string_view text) {
  if (text.empty()) return invalid(text, "empty address");

  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return invalid(text, "missing \":PORT\" after ']'");
    port_text = rest.substr(1);
    bracketed = true;
    if (host.empty()) return invalid(text, "empty IPv6 address in brackets");
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid(text, "missing \":PORT\"");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return invalid(text, "an IPv6 address needs brackets, like \"[::1]:4318\"");
    }
  }

  if (port_text.empty()) return invalid(text, "missing port after ':'");
  for (char c : port_text) {
    if (c < '0' || c > '9') return invalid(text, "port is not a number");
  }
  unsigned long port = 0;
  if (port_text.size() > kMaxPortDigits ||
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec !=
          std::errc{} ||
      port > 65535) {
    return invalid(text, "port out of range (0-65535)");
  }

  SocketAddress out;
  out.port = static_cast<std::uint16_t>(port);
  out.host = host.empty() ? std::string(kLoopback) : std::string(host);
  // uv_ip*_addr need NUL-terminated strings; host is a view into the caller's text.
  std::string resolved = (out.host == "localhost") ? std::string(kLoopback) : out.host;
  if (bracketed) {
    sockaddr_in6 v6{};
    if (uv_ip6_addr(resolved.c_str(), out.port, &v6) != 0) {
      return invalid(text, fmt::format("{:?} is not an IPv6 address", host));
    }
    std::memcpy(&out.storage, &v6, sizeof v6);
  } else {
    sockaddr_in v4{};
    if (uv_ip4_addr(resolved.c_str(), out.port, &v4) != 0) {
      return invalid(text,
                     fmt::format("host {:?} is not a numeric IPv4 address or \"localhost\"", host));
    }
    std::memcpy(&out.storage, &v4, sizeof v4);
  }
  return out;
}

std::string format_socket_address(const sockaddr* addr) {
  char name[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(addr);
    if (uv_ip4_name(v4, name, sizeof name) != 0) return "unknown";
    return fmt::format("{}:{}", name, ntohs(v4->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (uv_ip6_name(v6, name, sizeof name) != 0) return "unknown";
    return fmt::format("[{}]:{}", name, ntohs(v6->sin6_port));
  }
  return "unknown";
}

}  // namespace vigil::net
