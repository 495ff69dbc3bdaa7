// What the expat-based STS reader refuses beyond parsers_test.cpp's cases.
#include "agent/aws/sts_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vigil::aws {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kCredentials = R"(<AssumeRoleWithWebIdentityResponse>
 <AssumeRoleWithWebIdentityResult><Credentials>
  <AccessKeyId>AKID</AccessKeyId><SecretAccessKey>SECRET</SecretAccessKey>
  <SessionToken>TOKEN</SessionToken><Expiration>2026-11-21T12:00:00Z</Expiration>
 </Credentials></AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>)";

TEST(StsResponse, ReadsCredentialsWithNamespaceAndCdata) {
  std::string xml(kCredentials);
  xml.replace(
      xml.find("<AssumeRoleWithWebIdentityResponse>"), 35,
      R"(<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">)");
  xml.replace(xml.find("TOKEN"), 5, "<![CDATA[TO&KEN]]>");
  auto c = parse_sts_credentials(xml, "web_identity");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->session_token, "TO&KEN");
  EXPECT_EQ(c->access_key_id, "AKID");
}

TEST(StsResponse, RefusesADocumentWithADoctype) {
  // Entity expansion ("billion laughs") needs a DTD: none is accepted.
  std::string xml = R"(<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "AKID">]>)";
  xml += std::string(kCredentials);
  auto c = parse_sts_credentials(xml, "web_identity");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("not XML"));
}

TEST(StsResponse, CredentialsOutsideTheResultDoNotCount) {
  constexpr std::string_view kMisplaced = R"(<AssumeRoleResponse><Credentials>
    <AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken>
    <Expiration>2026-11-21T12:00:00Z</Expiration></Credentials></AssumeRoleResponse>)";
  auto c = parse_sts_credentials(kMisplaced, "x");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("without <Credentials>"));
}

TEST(StsResponse, TruncatedDocumentIsNotXml) {
  std::string_view cut = kCredentials.substr(0, kCredentials.size() / 2);
  EXPECT_FALSE(parse_sts_credentials(cut, "x"));
  EXPECT_FALSE(parse_sts_error(cut));
}

}  // namespace
}  // namespace vigil::aws
