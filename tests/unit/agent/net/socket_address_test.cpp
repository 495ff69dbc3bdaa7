#include "agent/net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace vigil::net {
namespace {

std::string ipv4_of(const SocketAddress& a) {
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(a.addr());
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
  return text;
}

std::string error_of(std::string_view text) {
  auto parsed = parse_listen_address(text);
  EXPECT_FALSE(parsed.has_value()) << text;
  return parsed ? std::string() : parsed.error().message;
}

TEST(ParseListenAddress, Ipv4HostAndPort) {
  auto a = parse_listen_address("0.0.0.0:4318");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->storage.ss_family, AF_INET);
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 4318);
  EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in*>(a->addr())->sin_port), 4318);
  EXPECT_EQ(ipv4_of(*a), "0.0.0.0");
  EXPECT_EQ(a->to_string(), "0.0.0.0:4318");
}

TEST(ParseListenAddress, EmptyHostMeansLoopback) {
  auto a = parse_listen_address(":8686");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(ipv4_of(*a), "127.0.0.1");
  EXPECT_EQ(a->port, 8686);
}

TEST(ParseListenAddress, LocalhostIsIpv4Loopback) {
  auto a = parse_listen_address("localhost:9090");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->storage.ss_family, AF_INET);
  EXPECT_EQ(ipv4_of(*a), "127.0.0.1");
  EXPECT_EQ(a->to_string(), "localhost:9090");
}

TEST(ParseListenAddress, BracketedIpv6) {
  auto a = parse_listen_address("[::1]:4317");
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(a->storage.ss_family, AF_INET6);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 4317);
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(a->addr());
  EXPECT_EQ(ntohs(v6->sin6_port), 4317);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
  EXPECT_EQ(a->to_string(), "[::1]:4317");
  EXPECT_TRUE(parse_listen_address("[::]:0").has_value());
}

TEST(ParseListenAddress, PortBounds) {
  auto zero = parse_listen_address("127.0.0.1:0");
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(zero->port, 0);
  auto top = parse_listen_address("127.0.0.1:65535");
  ASSERT_TRUE(top.has_value());
  EXPECT_EQ(top->port, 65535);
}

TEST(ParseListenAddress, PortOutOfRange) {
  EXPECT_EQ(
      error_of("127.0.0.1:65536"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:65536": port out of range (0-65535))");
  EXPECT_EQ(
      error_of("127.0.0.1:99999999999999999999"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:99999999999999999999": port out of range (0-65535))");
}

TEST(ParseListenAddress, PortNotANumber) {
  EXPECT_EQ(
      error_of("127.0.0.1:http"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:http": port is not a number)");
  EXPECT_EQ(
      error_of("127.0.0.1:-1"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:-1": port is not a number)");
  EXPECT_EQ(
      error_of("127.0.0.1: 80"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1: 80": port is not a number)");
}

TEST(ParseListenAddress, MissingParts) {
  EXPECT_EQ(error_of(""), R"(expected an address like "127.0.0.1:4318", got "": empty address)");
  EXPECT_EQ(error_of("127.0.0.1"),
            R"(expected an address like "127.0.0.1:4318", got "127.0.0.1": missing ":PORT")");
  EXPECT_EQ(
      error_of("127.0.0.1:"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:": missing port after ':')");
  EXPECT_EQ(
      error_of("[::1"),
      R"(expected an address like "127.0.0.1:4318", got "[::1": missing ']' after the IPv6 address)");
  EXPECT_EQ(
      error_of("[::1]4318"),
      R"(expected an address like "127.0.0.1:4318", got "[::1]4318": missing ":PORT" after ']')");
  EXPECT_EQ(
      error_of("[]:80"),
      R"(expected an address like "127.0.0.1:4318", got "[]:80": empty IPv6 address in brackets)");
}

TEST(ParseListenAddress, HostsMustBeNumeric) {
  EXPECT_EQ(
      error_of("example.com:80"),
      R"(expected an address like "127.0.0.1:4318", got "example.com:80": host "example.com" is not a numeric IPv4 address or "localhost")");
  EXPECT_EQ(
      error_of("127.1:80"),
      R"(expected an address like "127.0.0.1:4318", got "127.1:80": host "127.1" is not a numeric IPv4 address or "localhost")");
  EXPECT_EQ(
      error_of("256.0.0.1:80"),
      R"(expected an address like "127.0.0.1:4318", got "256.0.0.1:80": host "256.0.0.1" is not a numeric IPv4 address or "localhost")");
  EXPECT_EQ(
      error_of("[127.0.0.1]:80"),
      R"(expected an address like "127.0.0.1:4318", got "[127.0.0.1]:80": "127.0.0.1" is not an IPv6 address)");
}

TEST(ParseListenAddress, Ipv6NeedsBrackets) {
  EXPECT_EQ(
      error_of("::1:4318"),
      R"(expected an address like "127.0.0.1:4318", got "::1:4318": an IPv6 address needs brackets, like "[::1]:4318")");
}

TEST(ParseListenAddress, ControlCharactersAreEscaped) {
  EXPECT_EQ(
      error_of("127.0.0.1:80\n"),
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:80\n": port is not a number)");
}

TEST(FormatSocketAddress, Ipv4AndIpv6) {
  auto v4 = parse_listen_address("10.1.2.3:53211");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(format_socket_address(v4->addr()), "10.1.2.3:53211");
  auto v6 = parse_listen_address("[fe80::1]:443");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(format_socket_address(v6->addr()), "[fe80::1]:443");
  sockaddr_storage unknown{};
  unknown.ss_family = AF_UNIX;
  EXPECT_EQ(format_socket_address(reinterpret_cast<const sockaddr*>(&unknown)), "unknown");
}

}  // namespace
}  // namespace vigil::net
