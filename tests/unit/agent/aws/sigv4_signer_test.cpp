#include "agent/aws/sigv4_signer.h"

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/aws/sigv4_crypto.h"
#include "tests/unit/agent/aws/aws_test_support.h"

namespace vigil::aws {
namespace {

using testing::make_request;

using namespace std::chrono_literals;

// The classic AWS SigV4 test suite context (PROTOCOLS.md section 6.2).
constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

Credentials suite_credentials(std::string token = "") {
  return Credentials{"AKIDEXAMPLE", std::string(kSuiteSecret), std::move(token), std::nullopt,
                     "test"};
}

std::chrono::system_clock::time_point suite_time() {
  // 2015-08-30T12:36:00Z
  return std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + 12h + 36min;
}

std::string header(const net::HttpClientRequest& r, std::string_view name) {
  return std::string(net::find_header(r.headers, name));
}

TEST(SigV4Signer, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(amz_date(suite_time()), "20150830T123600Z");
}

// One published vector: the request, and what must come out of it.
struct Vector {
  const char* name;
  const char* service;
  const char* method;
  const char* url;
  net::HttpHeaders headers;
  const char* body;
  const char* token;
  std::string canonical_request;
  const char* canonical_request_hash;
  const char* signature;
  const char* signed_headers;
};

constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kSuiteToken =
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

std::vector<Vector> published_vectors() {
  const std::string vanilla_tail =
      "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
      std::string(kEmptyHash);
  return {
      {"get-vanilla",
       "service",
       "GET",
       "https://example.amazonaws.com/",
       {},
       "",
       "",
       "GET\n/\n\n" + vanilla_tail,
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
       "host;x-amz-date"},
      {"get-vanilla-query-order-key-case",
       "service",
       "GET",
       "https://example.amazonaws.com/?Param2=value2&Param1=value1",
       {},
       "",
       "",
       "GET\n/\nParam1=value1&Param2=value2\n" + vanilla_tail,
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
       "host;x-amz-date"},
      {"post-vanilla",
       "service",
       "POST",
       "https://example.amazonaws.com/",
       {},
       "",
       "",
       "POST\n/\n\n" + vanilla_tail,
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
       "host;x-amz-date"},
      {"post-x-www-form-urlencoded",
       "service",
       "POST",
       "https://example.amazonaws.com/",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "",
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
       "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "content-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
       "content-type;host;x-amz-date"},
      {"get-vanilla-with-session-token",
       "service",
       "GET",
       "https://example.amazonaws.com/",
       {},
       "",
       kSuiteToken,
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
       "x-amz-security-token:" +
           std::string(kSuiteToken) + "\n\nhost;x-amz-date;x-amz-security-token\n" + kEmptyHash,
       "067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
       "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
       "host;x-amz-date;x-amz-security-token"},
      {"iam-list-users (AWS docs)",
       "iam",
       "GET",
       "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
       "",
       "",
       "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
       "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
       "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "content-type;host;x-amz-date\n" +
           std::string(kEmptyHash),
       "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
       "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
       "content-type;host;x-amz-date"},
  };
}

class PublishedVector : public ::testing::TestWithParam<Vector> {};

TEST_P(PublishedVector, CanonicalRequestStringToSignAndSignature) {
  const Vector& v = GetParam();
  SigV4Signer signer({"us-east-1", v.service});
  auto r = make_request(v.method, v.url, v.headers, v.body);
  auto parts = signer.sign(r, suite_credentials(v.token), suite_time());
  EXPECT_EQ(parts.canonical_request, v.canonical_request);
  EXPECT_EQ(sha256_hex(parts.canonical_request), v.canonical_request_hash);
  EXPECT_EQ(parts.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/" +
                                      std::string(v.service) + "/aws4_request\n" +
                                      v.canonical_request_hash);
  EXPECT_EQ(parts.signature, v.signature);
  EXPECT_EQ(header(r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/" + std::string(v.service) +
                "/aws4_request, SignedHeaders=" + v.signed_headers + ", Signature=" + v.signature);
  EXPECT_EQ(header(r, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), v.token);
  // Host is libcurl's to send (from the URL); the signer does not add it.
  EXPECT_EQ(header(r, "Host"), "");
}

INSTANTIATE_TEST_SUITE_P(SigV4Signer, PublishedVector, ::testing::ValuesIn(published_vectors()),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                           std::string name;
                           for (char c : std::string(info.param.name)) {
                             if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                             if (c == '-' || c == ' ') name += '_';
                           }
                           return name;
                         });

// The key derivation example of the AWS documentation (secret above, 20120215, us-east-1, iam).
TEST(SigV4Signer, DocumentedSigningKeyDerivation) {
  auto k_date = hmac_sha256("AWS4" + std::string(kSuiteSecret), "20120215");
  EXPECT_EQ(hex_lower(as_bytes(k_date)),
            "969fbb94feb542b71ede6f87fe4d5fa29c789342b0f407474670f0c2489e0a0d");
  auto k_region = hmac_sha256(as_bytes(k_date), "us-east-1");
  EXPECT_EQ(hex_lower(as_bytes(k_region)),
            "69daa0209cd9c5ff5c8ced464a696fd4252e981430b10e3d3fd8e2f197d7a70c");
  auto k_service = hmac_sha256(as_bytes(k_region), "iam");
  EXPECT_EQ(hex_lower(as_bytes(k_service)),
            "f72cfd46f26bc4643f06a11eabb6c0ba18780c19a8da0c31ace671265e3c87fa");
  EXPECT_EQ(hex_lower(as_bytes(hmac_sha256(as_bytes(k_service), "aws4_request"))),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Signer, SigningAgainReplacesTheSignerHeaders) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = make_request("GET", "https://example.amazonaws.com/");
  signer.sign(r, suite_credentials("old-token"), suite_time());
  // A retry an hour later with credentials without a token: one fresh set of headers.
  auto parts = signer.sign(r, suite_credentials(), suite_time() + 1h);
  int dates = 0, authorizations = 0;
  for (const auto& h : r.headers) {
    dates += h.name == "X-Amz-Date";
    authorizations += h.name == "Authorization";
  }
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), "");
  EXPECT_EQ(header(r, "X-Amz-Date"), "20150830T133600Z");
  EXPECT_EQ(header(r, "Authorization"), parts.authorization);
}

TEST(SigV4Signer, KeyCacheFollowsDateAndSecret) {
  SigV4Signer signer({"us-east-1", "service"});
  auto sign_at = [&](std::chrono::system_clock::time_point t, std::string secret) {
    auto r = make_request("GET", "https://example.amazonaws.com/");
    Credentials c = suite_credentials();
    c.secret_access_key = std::move(secret);
    return signer.sign(r, c, t).signature;
  };
  const auto first = sign_at(suite_time(), std::string(kSuiteSecret));
  EXPECT_EQ(first, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // Another secret and another day must not reuse the cached key ...
  EXPECT_NE(sign_at(suite_time(), "another-secret"), first);
  const auto next_day = sign_at(suite_time() + 24h, std::string(kSuiteSecret));
  SigV4Signer fresh({"us-east-1", "service"});
  auto r = make_request("GET", "https://example.amazonaws.com/");
  EXPECT_EQ(fresh.sign(r, suite_credentials(), suite_time() + 24h).signature, next_day);
  // ... and coming back gives the vector again.
  EXPECT_EQ(sign_at(suite_time(), std::string(kSuiteSecret)), first);
}

TEST(SigV4Signer, ContentSha256WhenAsked) {
  SigV4Signer signer({"us-east-1", "service", /*add_content_sha256=*/true});
  auto r = make_request("POST", "https://example.amazonaws.com/", {}, "Param1=value1");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(header(r, "X-Amz-Content-Sha256"),
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_NE(parts.canonical_request.find(
                "x-amz-content-sha256:"
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n"),
            std::string::npos);
  EXPECT_NE(parts.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"),
            std::string::npos);
}

TEST(SigV4Signer, HostFromUrlCarriesANonDefaultPort) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = make_request("POST", "http://127.0.0.1:8080/v1/metrics");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_NE(parts.canonical_request.find("\nhost:127.0.0.1:8080\n"), std::string::npos);
  auto explicit_host = make_request("POST", "http://127.0.0.1:8080/", {{"Host", "example.com"}});
  parts = signer.sign(explicit_host, suite_credentials(), suite_time());
  EXPECT_NE(parts.canonical_request.find("\nhost:example.com\n"), std::string::npos);
}

TEST(SigV4Signer, TransientHeadersAreNotSigned) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = make_request("POST", "https://example.amazonaws.com/",
                        {{"User-Agent", "vigil/1"},
                         {"Content-Length", "0"},
                         {"Expect", ""},
                         {"Content-Encoding", "gzip"}});
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_NE(parts.authorization.find("SignedHeaders=content-encoding;host;x-amz-date,"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::aws
