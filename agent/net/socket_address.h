#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>

#include "agent/core/error.h"

namespace vigil::net {

// A resolved numeric listen address.
struct SocketAddress {
  sockaddr_storage storage{};
  std::string host;  // as written ("127.0.0.1", "::1", "0.0.0.0")
  std::uint16_t port = 0;
  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

// Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (= 127.0.0.1:PORT: receivers bind to loopback
// unless told otherwise). HOST must be a numeric IPv4/IPv6 address or "localhost".
core::Result<SocketAddress> parse_listen_address(std::string_view text);

}  // namespace vigil::net
