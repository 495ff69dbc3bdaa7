#include "agent/aws/aws_auth_config.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/aws/environment.h"
#include "agent/aws/region.h"
#include "agent/config/config_reader.h"
#include "tests/unit/agent/aws/aws_test_support.h"

namespace vigil::aws {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AwsAuthConfigTest : public ::testing::Test {
 protected:
  AwsAuthConfig parse(std::string_view text) {
    document_ = toml::parse(text, std::string_view("agent.toml"));
    auto context = std::make_shared<config::ReaderContext>();
    context->file = "agent.toml";
    context->diagnostics = &diagnostics_;
    reader_ = std::make_unique<config::ConfigReader>(context, &document_, "exporters.cloudwatch");
    AwsAuthConfig config = parse_aws_auth_config(*reader_);
    reader_->finish();
    return config;
  }

  std::string effective() {
    std::ostringstream out;
    out << toml::toml_formatter(reader_->effective(), toml::format_flags::none);
    return out.str();
  }

  toml::table document_;
  config::Diagnostics diagnostics_;
  std::unique_ptr<config::ConfigReader> reader_;
};

TEST_F(AwsAuthConfigTest, ReadsEveryKeyAndRedactsTheSecrets) {
  auto c = parse(R"(
region = "eu-west-1"
access_key_id = "AKIAEXAMPLE"
secret_access_key = "wJalrXUtnFEMI"
session_token = "FwoGZXIvYXdz"
profile = "dev"
role_arn = "arn:aws:iam::123456789012:role/writer"
role_session_name = "vigil-host-1"
external_id = "ext"
imds_endpoint = "http://[fd00:ec2::254]"
sts_endpoint = "https://sts.eu-west-1.amazonaws.com"
)");
  EXPECT_TRUE(diagnostics_.ok()) << diagnostics_.joined();
  EXPECT_EQ(c.region, "eu-west-1");
  EXPECT_EQ(c.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(c.secret_access_key, "wJalrXUtnFEMI");
  EXPECT_EQ(c.session_token, "FwoGZXIvYXdz");
  EXPECT_EQ(c.profile, "dev");
  EXPECT_EQ(c.role_arn, "arn:aws:iam::123456789012:role/writer");
  EXPECT_EQ(c.role_session_name, "vigil-host-1");
  EXPECT_EQ(c.external_id, "ext");
  EXPECT_EQ(c.imds_endpoint, "http://[fd00:ec2::254]");
  EXPECT_EQ(c.sts_endpoint, "https://sts.eu-west-1.amazonaws.com");
  const std::string printed = effective();
  EXPECT_THAT(printed, Not(HasSubstr("wJalrXUtnFEMI")));
  EXPECT_THAT(printed, Not(HasSubstr("FwoGZXIvYXdz")));
  EXPECT_THAT(printed, HasSubstr("<redacted>"));
}

TEST_F(AwsAuthConfigTest, DefaultsAreEmpty) {
  auto c = parse("");
  EXPECT_TRUE(diagnostics_.ok()) << diagnostics_.joined();
  EXPECT_EQ(c.region, "");
  EXPECT_EQ(c.access_key_id, "");
  EXPECT_EQ(c.profile, "");
}

TEST_F(AwsAuthConfigTest, ErrorsNameFileLineAndKey) {
  parse(R"(
region = "EU West"
access_key_id = "AKIA"
role_session_name = "s"
imds_endpoint = "169.254.169.254"
role_arn = "writer"
unknown_key = 1
)");
  EXPECT_THAT(
      diagnostics_.errors(),
      ElementsAre(
          HasSubstr("agent.toml:2:10: exporters.cloudwatch.region: expected a region name like"),
          HasSubstr("agent.toml:3:17: exporters.cloudwatch.access_key_id: needs "
                    "secret_access_key as well"),
          HasSubstr("agent.toml:5:17: exporters.cloudwatch.imds_endpoint: expected an http:// or "
                    "https:// URL, got \"169.254.169.254\""),
          HasSubstr("agent.toml:6:12: exporters.cloudwatch.role_arn: expected an ARN"),
          HasSubstr("exporters.cloudwatch.unknown_key")));
}

TEST_F(AwsAuthConfigTest, ASecretWithoutItsKeyIsAnError) {
  parse("secret_access_key = \"s\"\nsession_token = \"t\"\n");
  EXPECT_THAT(diagnostics_.errors(),
              ElementsAre(HasSubstr("access_key_id: must be set when secret_access_key is"),
                          HasSubstr("access_key_id: must be set when session_token is")));
}

TEST_F(AwsAuthConfigTest, RoleOptionsNeedARole) {
  parse("role_session_name = \"s\"\nexternal_id = \"e\"\n");
  EXPECT_THAT(diagnostics_.errors(), ElementsAre(HasSubstr("role_session_name: needs role_arn"),
                                                 HasSubstr("external_id: needs role_arn")));
}

class RegionTest : public testing::AwsLoopTest {
 protected:
  RegionTest() { env_.set("HOME", home_.path()); }
  testing::TempDir home_;
};

TEST_F(RegionTest, ConfigThenEnvironmentThenProfile) {
  AwsAuthConfig config;
  EXPECT_FALSE(resolve_region_offline(config, env_));
  home_.write(".aws/config", "[default]\nregion = ap-south-1\n[profile dev]\nregion = sa-east-1\n");
  auto r = resolve_region_offline(config, env_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->region, "ap-south-1");
  EXPECT_EQ(r->source, "profile:default");
  env_.set("AWS_PROFILE", "dev");
  EXPECT_EQ(resolve_region_offline(config, env_)->region, "sa-east-1");
  env_.set("AWS_DEFAULT_REGION", "us-west-1");
  EXPECT_EQ(resolve_region_offline(config, env_)->source, "AWS_DEFAULT_REGION");
  env_.set("AWS_REGION", "us-west-2");
  EXPECT_EQ(resolve_region_offline(config, env_)->region, "us-west-2");
  EXPECT_EQ(resolve_region_offline(config, env_)->source, "AWS_REGION");
  config.region = "eu-north-1";
  EXPECT_EQ(resolve_region_offline(config, env_)->region, "eu-north-1");
  EXPECT_EQ(resolve_region_offline(config, env_)->source, "config");
}

TEST_F(RegionTest, FromImdsWhenNothingElseSays) {
  testing::ImdsStandIn imds(&loop_, logger_, clock_);
  AwsAuthConfig config;
  config.imds_endpoint = imds.url();
  RegionResolver resolver(config, deps());
  std::optional<core::Result<RegionChoice>> result;
  resolver.resolve([&](core::Result<RegionChoice> r) { result = std::move(r); });
  ASSERT_TRUE(run_until([&] { return result.has_value(); }));
  ASSERT_TRUE(*result) << (*result).error().message;
  EXPECT_EQ((*result)->region, "eu-west-3");
  EXPECT_EQ((*result)->source, "imds");
  EXPECT_EQ(imds.server().count("PUT", "/latest/api/token"), 1u);

  // Without network when the environment says.
  env_.set("AWS_REGION", "us-east-2");
  result.reset();
  resolver.resolve([&](core::Result<RegionChoice> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)->region, "us-east-2");

  env_.unset("AWS_REGION");
  env_.set("AWS_EC2_METADATA_DISABLED", "true");
  result.reset();
  resolver.resolve([&](core::Result<RegionChoice> r) { result = std::move(r); });
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(*result);
  EXPECT_THAT(result->error().message,
              HasSubstr("no region: not in the configuration, AWS_REGION, AWS_DEFAULT_REGION or "
                        "the profile; IMDS disabled"));
}

}  // namespace
}  // namespace vigil::aws
