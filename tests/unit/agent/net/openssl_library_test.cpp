#include "agent/net/openssl_library.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace vigil::net {
namespace {

TEST(OpenSslLibrary, LoadsOnceAndTheFunctionsWork) {
  auto first = load_openssl();
  ASSERT_TRUE(first.has_value()) << first.error().message;
  auto second = load_openssl();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*first, *second);  // one table per process
  EXPECT_EQ(&openssl(), *first);

  const OpenSslFunctions& ssl = openssl();
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  ASSERT_EQ(ssl.digest("abc", 3, digest.data(), &length, ssl.sha256(), nullptr), 1);
  ASSERT_EQ(length, 32u);
  EXPECT_EQ(digest[0], 0xba);
  EXPECT_EQ(digest[31], 0xad);
  // HMAC-SHA-256, RFC 4231 test case 2.
  constexpr std::string_view kData = "what do ya want for nothing?";
  ASSERT_NE(ssl.hmac(ssl.sha256(), "Jefe", 4, reinterpret_cast<const unsigned char*>(kData.data()),
                     kData.size(), digest.data(), &length),
            nullptr);
  EXPECT_EQ(digest[0], 0x5b);
  EXPECT_EQ(digest[31], 0x43);
  unsigned char encoded[8] = {};
  EXPECT_EQ(ssl.encode_block(encoded, reinterpret_cast<const unsigned char*>("foo"), 3), 4);
  EXPECT_EQ(std::string_view(reinterpret_cast<char*>(encoded), 4), "Zm9v");
  EXPECT_EQ(ssl.memcmp("abc", "abd", 3) == 0, false);
}

}  // namespace
}  // namespace vigil::net
