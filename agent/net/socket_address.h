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
  std::string host;  // as written ("127.0.0.1", "::1", "0.0.0.0", "localhost")
  std::uint16_t port = 0;
  const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&storage); }
  // "127.0.0.1:4318", "[::1]:4318", "localhost:4318": the host as written, for messages.
  std::string to_string() const;
};

// Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (= 127.0.0.1:PORT: receivers bind to loopback
// unless told otherwise). HOST must be a numeric IPv4/IPv6 address or "localhost" (= 127.0.0.1).
// Errors read `expected an address like "127.0.0.1:4318", got "TEXT": REASON`.
core::Result<SocketAddress> parse_listen_address(std::string_view text);

// "127.0.0.1:53211" or "[::1]:53211" for an AF_INET/AF_INET6 address; "unknown" otherwise.
std::string format_socket_address(const sockaddr* addr);

}  // namespace vigil::net
