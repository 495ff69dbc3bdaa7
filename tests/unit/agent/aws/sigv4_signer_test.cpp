#include "agent/aws/sigv4_signer.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "agent/aws/sigv4_crypto.h"

namespace vigil::aws {
namespace {

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

net::HttpClientRequest request(std::string method, std::string url, net::HttpHeaders headers = {},
                               std::string body = "") {
  net::HttpClientRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string header(const net::HttpClientRequest& r, std::string_view name) {
  return std::string(net::find_header(r.headers, name));
}

std::string suite_string_to_sign(std::string_view scope_service, std::string_view creq_hash) {
  return "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/" + std::string(scope_service) +
         "/aws4_request\n" + std::string(creq_hash);
}

TEST(SigV4Signer, AmzDateIsUtcBasicFormat) {
  EXPECT_EQ(amz_date(suite_time()), "20150830T123600Z");
}

TEST(SigV4Signer, GetVanilla) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = request("GET", "https://example.amazonaws.com/");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(parts.canonical_request),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "service", "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
  EXPECT_EQ(parts.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(header(r, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(header(r, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), "");
  // Host is libcurl's to send (from the URL); the signer does not add it.
  EXPECT_EQ(header(r, "Host"), "");
}

TEST(SigV4Signer, GetVanillaQueryOrderKeyCase) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = request("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "service", "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"));
  EXPECT_EQ(parts.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Signer, PostVanilla) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = request("POST", "https://example.amazonaws.com/");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "service", "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"));
  EXPECT_EQ(parts.signature, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Signer, PostXWwwFormUrlencoded) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = request("POST", "https://example.amazonaws.com/",
                   {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "service", "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"));
  EXPECT_EQ(parts.signature, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Signer, GetVanillaWithSessionToken) {
  SigV4Signer signer({"us-east-1", "service"});
  const std::string token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
  auto r = request("GET", "https://example.amazonaws.com/");
  auto parts = signer.sign(r, suite_credentials(token), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
            "x-amz-security-token:" +
                token +
                "\n\nhost;x-amz-date;x-amz-security-token\n"
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "service", "067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b"));
  EXPECT_EQ(parts.signature, "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8");
  EXPECT_EQ(header(r, "X-Amz-Security-Token"), token);
}

TEST(SigV4Signer, IamListUsersExample) {
  SigV4Signer signer({"us-east-1", "iam"});
  auto r = request("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
                   {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}});
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_EQ(parts.canonical_request,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            suite_string_to_sign(
                "iam", "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"));
  EXPECT_EQ(parts.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

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
  auto r = request("GET", "https://example.amazonaws.com/");
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
    auto r = request("GET", "https://example.amazonaws.com/");
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
  auto r = request("GET", "https://example.amazonaws.com/");
  EXPECT_EQ(fresh.sign(r, suite_credentials(), suite_time() + 24h).signature, next_day);
  // ... and coming back gives the vector again.
  EXPECT_EQ(sign_at(suite_time(), std::string(kSuiteSecret)), first);
}

TEST(SigV4Signer, ContentSha256WhenAsked) {
  SigV4Signer signer({"us-east-1", "service", /*add_content_sha256=*/true});
  auto r = request("POST", "https://example.amazonaws.com/", {}, "Param1=value1");
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
  auto r = request("POST", "http://127.0.0.1:8080/v1/metrics");
  auto parts = signer.sign(r, suite_credentials(), suite_time());
  EXPECT_NE(parts.canonical_request.find("\nhost:127.0.0.1:8080\n"), std::string::npos);
  auto explicit_host = request("POST", "http://127.0.0.1:8080/", {{"Host", "example.com"}});
  parts = signer.sign(explicit_host, suite_credentials(), suite_time());
  EXPECT_NE(parts.canonical_request.find("\nhost:example.com\n"), std::string::npos);
}

TEST(SigV4Signer, TransientHeadersAreNotSigned) {
  SigV4Signer signer({"us-east-1", "service"});
  auto r = request("POST", "https://example.amazonaws.com/",
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
