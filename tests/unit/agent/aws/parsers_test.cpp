// Decoders of outside input: ISO-8601 expirations, container/IMDS JSON, STS XML, INI files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/aws/aws_time.h"
#include "agent/aws/canonical_request.h"
#include "agent/aws/credentials_json.h"
#include "agent/aws/ini_file.h"
#include "agent/aws/sts_response.h"

namespace vigil::aws {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

std::chrono::system_clock::time_point at(int y, unsigned m, unsigned d, std::chrono::seconds s) {
  return std::chrono::sys_days{std::chrono::year{y} / m / d} + s;
}

TEST(AwsTime, ParsesTheFormsAwsWrites) {
  EXPECT_EQ(parse_iso8601("2024-01-01T00:00:00Z"), at(2024, 1, 1, 0s));
  EXPECT_EQ(parse_iso8601("2019-11-05T07:45:09Z"), at(2019, 11, 5, 7h + 45min + 9s));
  EXPECT_EQ(parse_iso8601("2019-11-05T07:45:09.123Z"), at(2019, 11, 5, 7h + 45min + 9s) + 123ms);
  EXPECT_EQ(parse_iso8601("2019-11-05T09:45:09+02:00"), at(2019, 11, 5, 7h + 45min + 9s));
  EXPECT_EQ(parse_iso8601("2019-11-05T05:15:09-02:30"), at(2019, 11, 5, 7h + 45min + 9s));
  EXPECT_EQ(format_iso8601(at(2024, 2, 29, 23h + 59min + 58s)), "2024-02-29T23:59:58Z");
}

TEST(AwsTime, RefusesAnythingElse) {
  for (const char* bad :
       {"", "2024-01-01", "2024-01-01T00:00:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:00:00ZZ", "2024-01-01T00:00:00.Z",
        "2024-01-01 00:00:00Z", "99999-01-01T00:00:00Z", "1900-01-01T00:00:00Z",
        "9999-01-01T00:00:00Z", "2024-01-01T00:00:00+2"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

TEST(CredentialsJson, ContainerAndImdsShapes) {
  auto c = parse_credentials_json(
      R"({"AccessKeyId":"ASIA1","SecretAccessKey":"s3cr3t","Token":"tok","Expiration":"2024-01-01T06:00:00Z","RoleArn":"arn:aws:iam::1:role/r"})",
      "container");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->secret_access_key, "s3cr3t");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->expiration, at(2024, 1, 1, 6h));
  EXPECT_EQ(c->source, "container");

  c = parse_credentials_json(
      "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2024-01-01T00:00:00Z\",\n  \"Type\" : "
      "\"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIA2\",\n  \"SecretAccessKey\" : \"s\",\n  \"Token\" "
      ": \"t\",\n  \"Expiration\" : \"2024-01-01T06:00:00Z\"\n}",
      "imds");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIA2");
}

TEST(CredentialsJson, ErrorsNeverQuoteTheDocument) {
  struct Bad {
    const char* json;
    const char* error;
  };
  for (const Bad& bad : {
           Bad{R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"denied"})",
               "Code AssumeRoleUnauthorizedAccess: denied"},
           Bad{R"({"AccessKeyId":"ASIA","Token":"SECRETTOKEN"})", "without AccessKeyId or"},
           Bad{R"({"AccessKeyId":"ASIA","SecretAccessKey":7})", "\"SecretAccessKey\" is not"},
           Bad{R"({"AccessKeyId":"A","SecretAccessKey":"SECRETKEY","Expiration":"soon"})",
               "bad Expiration"},
           Bad{R"(["SECRETKEY"])", "not a JSON object"},
           Bad{R"({"SecretAccessKey":"SECRETKEY")", "not JSON"},
       }) {
    auto c = parse_credentials_json(bad.json, "x");
    ASSERT_FALSE(c) << bad.json;
    EXPECT_THAT(c.error().message, HasSubstr(bad.error));
    EXPECT_THAT(c.error().message, Not(HasSubstr("SECRET")));
  }
}

constexpr std::string_view kStsAnswer =
    R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>
    <Audience>sts.amazonaws.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>
      <AssumedRoleId>AROA:s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>
        FwoGZXIvYXdz/token+with&amp;entity
      </SessionToken>
      <SecretAccessKey><![CDATA[wJalr/secret]]></SecretAccessKey>
      <Expiration>2024-01-01T01:00:00Z</Expiration>
      <AccessKeyId>ASIASTS</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::123456789012:oidc-provider/oidc.eks</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
)";

TEST(StsResponse, CredentialsOfAnAnswer) {
  auto c = parse_sts_credentials(kStsAnswer, "web_identity");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIASTS");
  EXPECT_EQ(c->secret_access_key, "wJalr/secret");
  EXPECT_EQ(c->session_token, "FwoGZXIvYXdz/token+with&entity");
  EXPECT_EQ(c->expiration, at(2024, 1, 1, 1h));
  EXPECT_EQ(c->source, "web_identity");
  EXPECT_FALSE(parse_sts_error(kStsAnswer));
}

TEST(StsResponse, ErrorsAndBadDocuments) {
  constexpr std::string_view kError =
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender"
      "</Type><Code>ExpiredTokenException</Code><Message>Token expired: current date/time "
      "1700000000 must be before the expiration date/time1600000000</Message></Error>"
      "<RequestId>r</RequestId></ErrorResponse>";
  auto error = parse_sts_error(kError);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "ExpiredTokenException");
  EXPECT_THAT(error->message, HasSubstr("Token expired"));
  EXPECT_THAT(parse_sts_credentials(kError, "x").error().message, HasSubstr("<ErrorResponse>"));

  EXPECT_THAT(parse_sts_credentials("not xml", "x").error().message, HasSubstr("not XML"));
  EXPECT_THAT(
      parse_sts_credentials("<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>", "x")
          .error()
          .message,
      HasSubstr("without <Credentials>"));
  std::string no_expiration(kStsAnswer);
  no_expiration.replace(no_expiration.find("2024-01-01T01:00:00Z"), 20, "tomorrow");
  EXPECT_THAT(parse_sts_credentials(no_expiration, "x").error().message,
              HasSubstr("bad Expiration"));
  // External entities are not fetched or expanded.
  constexpr std::string_view kXxe =
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
      "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>&x;</AccessKeyId>"
      "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
      "<Expiration>2024-01-01T01:00:00Z</Expiration></Credentials></AssumeRoleResult>"
      "</AssumeRoleResponse>";
  EXPECT_FALSE(parse_sts_credentials(kXxe, "x"));
}

TEST(IniFile, TheSharedFilesDialect) {
  auto doc = parse_ini(
      "\xEF\xBB\xBF# leading comment\n"
      "; another\n"
      "[default]\n"
      "aws_access_key_id = AKIA1\n"
      "AWS_Secret_Access_Key=secret/with+chars= # inline comment\n"
      "region: eu-west-1\n"
      "\n"
      "[profile dev]   ; trailing comment\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  addressing_style = path\n"
      "output = json#not-a-comment\n"
      "[default]\n"
      "region = us-east-2\r\n"
      "empty =\n",
      "config");
  ASSERT_TRUE(doc) << doc.error().message;
  const IniSection* def = doc->find("default");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->line, 3u);
  EXPECT_EQ(def->values.at("aws_access_key_id"), "AKIA1");
  EXPECT_EQ(def->values.at("aws_secret_access_key"), "secret/with+chars=");
  EXPECT_EQ(def->values.at("region"), "us-east-2");  // the later [default] merged in
  EXPECT_EQ(def->values.at("empty"), "");
  const IniSection* dev = doc->find("profile dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->values.at("s3"), "max_concurrent_requests = 20\naddressing_style = path");
  EXPECT_EQ(dev->values.at("output"), "json#not-a-comment");
}

TEST(IniFile, ErrorsNameTheLineNotItsText) {
  struct Bad {
    const char* text;
    const char* error;
  };
  for (const Bad& bad : {
           Bad{"key = SECRET\n", "f:1: a key before the first [section]"},
           Bad{"[a]\nSECRET\n", "f:2: expected \"[section]\" or \"key = value\""},
           Bad{"[a\n", "f:1: section header without ']'"},
           Bad{"[]\n", "f:1: empty section name"},
           Bad{"[a] SECRET\n", "f:1: text after a section header"},
           Bad{"[a]\n= SECRET\n", "f:2: a value without a key"},
       }) {
    auto doc = parse_ini(bad.text, "f");
    ASSERT_FALSE(doc) << bad.text;
    EXPECT_EQ(doc.error().message, bad.error);
  }
}

TEST(CanonicalRequest, UriEncoding) {
  EXPECT_EQ(uri_encode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(uri_encode("a b/c=d&e+f%\xff", false), "a%20b%2Fc%3Dd%26e%2Bf%25%FF");
  EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
  EXPECT_EQ(percent_decode("a%20b%2fc%zz%4"), "a b/c%zz%4");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
}

TEST(CanonicalRequest, PathIsNormalizedAndEncodedTwice) {
  EXPECT_EQ(canonical_uri(""), "/");
  EXPECT_EQ(canonical_uri("/"), "/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(canonical_uri("/.."), "/");
  EXPECT_EQ(canonical_uri("/a/.."), "/");
  EXPECT_EQ(canonical_uri("//a"), "/a");
  EXPECT_EQ(canonical_uri("/example%20space/"), "/example%2520space/");
  EXPECT_EQ(canonical_uri("/ü"), "/%C3%BC");
}

TEST(CanonicalRequest, QueryIsDecodedReencodedAndSorted) {
  EXPECT_EQ(canonical_query(""), "");
  EXPECT_EQ(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
  EXPECT_EQ(canonical_query("k=a%2fb&k2=x y&~=%7E"), "k=a%2Fb&k2=x%20y&~=~");
  EXPECT_EQ(canonical_query("&&a=1&"), "a=1");
  // Sorted by the encoded name: '%' (0x25) before letters.
  EXPECT_EQ(canonical_query("b=1&%20=2"), "%20=2&b=1");
}

TEST(CanonicalRequest, HeadersLowerCasedTrimmedSortedAndJoined) {
  auto headers = canonical_headers({{"X-B", "  two   words "},
                                    {"x-a", "1"},
                                    {"X-A", "2"},
                                    {"Host", "h"},
                                    {"User-Agent", "ua"},
                                    {"content-length", "3"},
                                    {"X-Tabs", "a\t\tb"}});
  EXPECT_EQ(headers.block, "host:h\nx-a:1,2\nx-b:two words\nx-tabs:a b\n");
  EXPECT_EQ(headers.signed_names, "host;x-a;x-b;x-tabs");
}

TEST(CanonicalRequest, SplitUrl) {
  auto u = split_url("HTTPS://user@Example.com:443/p/a?x=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host_header, "Example.com");
  EXPECT_EQ(u->path, "/p/a");
  EXPECT_EQ(u->query, "x=1");
  u = split_url("http://[::1]:8080?q");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host_header, "[::1]:8080");
  EXPECT_EQ(u->path, "");
  EXPECT_EQ(u->query, "q");
  u = split_url("http://[fd00:ec2::254]");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host_header, "[fd00:ec2::254]");
  EXPECT_FALSE(split_url("ftp://x/"));
  EXPECT_FALSE(split_url("example.com/"));
  EXPECT_FALSE(split_url("http:///path"));
  EXPECT_FALSE(split_url("http://h:x/"));
}

}  // namespace
}  // namespace vigil::aws
