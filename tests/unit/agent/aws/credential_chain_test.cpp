// The default chain against local stand-ins for IMDSv2, the container endpoint and STS, over
// real HTTP on 127.0.0.1 (acceptance item 4 of issue #7).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/aws/credential_provider.h"
#include "tests/unit/agent/aws/aws_test_support.h"

namespace vigil::aws::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A bound socket that does not listen: connecting is refused at once.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() { ::close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class CredentialChainTest : public AwsLoopTest {
 protected:
  CredentialChainTest() {
    // Nothing of the machine's own AWS setup leaks in: HOME is an empty temp dir.
    env_.set("HOME", home_.path());
  }

  ~CredentialChainTest() override {
    // Whatever happened, no secret reached the log.
    const std::string log = log_text();
    for (const char* secret : {"secret-", "imds-session-token", "container-token", "sts-token",
                               "eyJ.web-identity", "wJalrXUtnFEMI", "task-auth-token"}) {
      EXPECT_THAT(log, Not(HasSubstr(secret))) << "a secret was logged";
    }
  }

  std::unique_ptr<CredentialProvider> chain(const AwsAuthConfig& config) {
    auto provider = make_default_credential_chain(config, deps());
    EXPECT_TRUE(provider.has_value()) << provider.error().message;
    return provider ? std::move(*provider) : nullptr;
  }

  // Credentials from a fresh chain.
  core::Result<Credentials> fetch_once(const AwsAuthConfig& config) {
    auto provider = chain(config);
    return get(*provider);
  }

  // Credentials from a fresh chain, which must come from `source` with access key `key`.
  std::optional<Credentials> expect_credentials(const AwsAuthConfig& config,
                                                std::string_view source, std::string_view key) {
    auto c = fetch_once(config);
    EXPECT_TRUE(c) << c.error().message;
    if (!c) return std::nullopt;
    EXPECT_EQ(c->source, source);
    EXPECT_EQ(c->access_key_id, key);
    return *c;
  }

  // Runs the loop until the provider hands out `key` (a background refresh landed), answering
  // from its cache meanwhile.
  bool wait_for_key(CredentialProvider& provider, const std::string& key) {
    auto current = std::make_shared<std::string>();  // a late answer must find it alive
    return run_until([&] {
      provider.get([current](core::Result<Credentials> c) {
        if (c) *current = c->access_key_id;
      });
      return *current == key;
    });
  }

  CredentialChainDeps deps() {
    CredentialChainDeps d = AwsLoopTest::deps();
    d.container_endpoint = container_.url();
    return d;
  }

  TempDir home_;
  ImdsStandIn imds_{&loop_, logger_, clock_};
  ContainerStandIn container_{&loop_, logger_, clock_};
  StsStandIn sts_{&loop_, logger_, clock_};
};

TEST_F(CredentialChainTest, EachSourceWinsOverTheLaterOnes) {
  AwsAuthConfig config;
  config.access_key_id = "AKIACONFIG";
  config.secret_access_key = "config-secret-1";
  config.imds_endpoint = imds_.url();
  config.sts_endpoint = sts_.url();
  env_.set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT");
  env_.set("AWS_SECRET_ACCESS_KEY", "environment-secret-1");
  env_.set("AWS_SESSION_TOKEN", "environment-token-secret-1");
  env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", home_.write("token", sts_.web_identity_token + "\n"));
  env_.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
  env_.set("AWS_ROLE_SESSION_NAME", "pod-1");
  const std::string credentials_file = home_.write(
      ".aws/credentials",
      "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret-1\n");
  env_.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", container_.path);

  std::optional<Credentials> c = expect_credentials(config, "config", "AKIACONFIG");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "config-secret-1");
  EXPECT_FALSE(c->expiration);

  config.access_key_id.clear();
  config.secret_access_key.clear();
  c = expect_credentials(config, "environment", "AKIAENVIRONMENT");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->session_token, "environment-token-secret-1");

  env_.unset("AWS_ACCESS_KEY_ID");
  c = expect_credentials(config, "web_identity", "ASIASTS1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "sts-secret-1");
  EXPECT_EQ(c->session_token, "sts-token-1");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(std::chrono::round<std::chrono::seconds>(*c->expiration - wall_time(clock_)), 1h);
  EXPECT_EQ(sts_.last_form["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_EQ(sts_.last_form["RoleArn"], "arn:aws:iam::123456789012:role/web");
  EXPECT_EQ(sts_.last_form["RoleSessionName"], "pod-1");
  EXPECT_EQ(sts_.last_form["WebIdentityToken"], sts_.web_identity_token);

  env_.unset("AWS_WEB_IDENTITY_TOKEN_FILE");
  c = expect_credentials(config, "profile:default", "AKIAPROFILE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "profile-secret-1");

  std::filesystem::remove(credentials_file);
  c = expect_credentials(config, "container", "ASIACONTAINER1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->session_token, "container-token-1");

  env_.unset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  c = expect_credentials(config, "imds", "ASIAIMDS1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "imds-secret-1");
  EXPECT_EQ(c->session_token, "imds-session-token-1");

  // Each network source was asked only once it was the first one set up.
  EXPECT_EQ(sts_.served, 1);
  EXPECT_EQ(container_.served, 1);
  EXPECT_EQ(imds_.credentials_served, 1);
}

TEST_F(CredentialChainTest, RefreshesBeforeExpiryInTheBackground) {
  AwsAuthConfig config;
  config.imds_endpoint = imds_.url();
  imds_.lifetime = 1h;
  auto provider = chain(config);
  auto first = get(*provider);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->access_key_id, "ASIAIMDS1");
  // One refresh timer, 5 minutes before the hour is up.
  ASSERT_EQ(scheduler_.pending(), 1u);
  EXPECT_EQ(std::chrono::round<std::chrono::seconds>(scheduler_.next_delay()), 55min);

  // Until then get() answers from the cache, at once and without a request.
  scheduler_.advance(54min);
  bool answered_inline = false;
  provider->get([&](core::Result<Credentials> c) {
    answered_inline = true;
    EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  });
  EXPECT_TRUE(answered_inline);
  EXPECT_EQ(imds_.credentials_served, 1);

  // The timer fires: a background fetch, while get() still answers at once with the old ones.
  scheduler_.advance(2min);
  answered_inline = false;
  provider->get([&](core::Result<Credentials> c) {
    answered_inline = true;
    EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  });
  EXPECT_TRUE(answered_inline);
  ASSERT_TRUE(wait_for_key(*provider, "ASIAIMDS2"));
  EXPECT_THAT(log_text(), HasSubstr("AWS credentials from imds (access key ****MDS1, expire "));
  // The next refresh is 55 minutes after this one.
  EXPECT_EQ(std::chrono::round<std::chrono::seconds>(scheduler_.next_delay()), 55min);
  // The session token was reused (one PUT for both fetches: its TTL is 6 hours).
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 1u);
}

TEST_F(CredentialChainTest, ExpiredImdsTokenGets401ThenAFreshToken) {
  AwsAuthConfig config;
  config.imds_endpoint = imds_.url();
  imds_.lifetime = 1h;
  auto provider = chain(config);
  ASSERT_TRUE(get(*provider));
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 1u);

  imds_.invalidate_tokens();
  scheduler_.advance(56min);  // the refresh
  ASSERT_TRUE(wait_for_key(*provider, "ASIAIMDS2"));
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 2u);
  // Role list and role: twice for the first fetch, three times for the refresh (the role list
  // refused with 401, then read again with the new token, then the role).
  EXPECT_EQ(imds_.server().count("GET", "/latest/meta-data/iam/security-credentials/"), 5u);
  const auto& seen = imds_.server().seen();
  ASSERT_GE(seen.size(), 4u);
  EXPECT_EQ(seen[seen.size() - 4].header("x-aws-ec2-metadata-token"), "imds-session-1");
  EXPECT_EQ(seen[seen.size() - 3].method, "PUT");
  EXPECT_EQ(seen[seen.size() - 2].header("x-aws-ec2-metadata-token"), "imds-session-2");
  EXPECT_EQ(seen[seen.size() - 3].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
}

TEST_F(CredentialChainTest, ImdsTokenIsRenewedBeforeItsTtlEnds) {
  AwsAuthConfig config;
  config.imds_endpoint = imds_.url();
  imds_.lifetime = 1h;
  auto provider = chain(config);
  ASSERT_TRUE(get(*provider));
  // Refreshes every 55 minutes: the token (TTL 6 h, renewed a minute early) serves six of them.
  for (int refresh = 1; refresh <= 7; ++refresh) {
    scheduler_.advance(55min);
    ASSERT_TRUE(wait_for_key(*provider, imds_.key(refresh + 1))) << "refresh " << refresh;
    EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), refresh < 7 ? 1u : 2u)
        << "refresh " << refresh;
  }
}

TEST_F(CredentialChainTest, ImdsThatRefusesTokensIsNotUsedWithoutOne) {
  AwsAuthConfig config;
  config.imds_endpoint = imds_.url();
  imds_.refuse_tokens = true;
  auto c = fetch_once(config);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("session token (PUT /latest/api/token): HTTP 403"));
  // No IMDSv1 fallback: nothing was read without a token.
  EXPECT_EQ(imds_.server().count("GET", "/"), 0u);
}

TEST_F(CredentialChainTest, MissingSourcesNameWhatWasTried) {
  RefusingPort nothing_there;
  AwsAuthConfig config;
  config.imds_endpoint = nothing_there.url();
  auto c = fetch_once(config);
  ASSERT_FALSE(c);
  const std::string& message = c.error().message;
  EXPECT_THAT(message,
              StartsWith("no AWS credentials found; tried config (no access_key_id in "
                         "the configuration), environment (AWS_ACCESS_KEY_ID not set), "
                         "web_identity (AWS_WEB_IDENTITY_TOKEN_FILE not set), "
                         "profile:default (no profile default in " +
                         home_.path() + "/.aws/credentials, " + home_.path() +
                         "/.aws/config), container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
                         "and AWS_CONTAINER_CREDENTIALS_FULL_URI not set), imds (" +
                         nothing_there.url() + ", if reachable): IMDS at " + nothing_there.url() +
                         ": session token"));

  env_.set("AWS_EC2_METADATA_DISABLED", "true");
  c = fetch_once(config);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, StartsWith("no AWS credentials found; tried config ("));
  EXPECT_THAT(c.error().message, HasSubstr("imds (AWS_EC2_METADATA_DISABLED=true)"));
}

TEST_F(CredentialChainTest, AFailedFetchIsNotRepeatedAtOnce) {
  AwsAuthConfig config;
  config.imds_endpoint = imds_.url();
  imds_.refuse_tokens = true;
  auto provider = chain(config);
  ASSERT_FALSE(get(*provider));
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 1u);
  // Asked again at once: the same error, inside get(), without another request.
  bool answered_inline = false;
  provider->get([&](core::Result<Credentials> c) {
    answered_inline = true;
    EXPECT_FALSE(c);
  });
  EXPECT_TRUE(answered_inline);
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 1u);
  // After the back-off (1 s) it tries again, and IMDS answering now is picked up.
  scheduler_.advance(1100ms);
  imds_.refuse_tokens = false;
  auto c = get(*provider);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(imds_.server().count("PUT", "/latest/api/token"), 2u);
}

TEST_F(CredentialChainTest, SharedFilesWithTwoProfiles) {
  home_.write(".aws/credentials",
              "# comment\n[default]\naws_access_key_id = AKIADEFAULT\n"
              "aws_secret_access_key = default-secret-1\n\n"
              "[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=dev-secret-1\n"
              "aws_session_token = dev-token-secret-1\n");
  home_.write(".aws/config",
              "[default]\nregion = us-west-2\n\n"
              "[profile dev]\nregion = eu-central-1\naws_access_key_id = AKIADEV-IN-CONFIG\n\n"
              "[profile ops]\nregion = ap-south-1\naws_access_key_id = AKIAOPS\n"
              "aws_secret_access_key = ops-secret-1\n"
              "s3 =\n  max_concurrent_requests = 20\n\n"
              "[ops]\naws_access_key_id = AKIA-NOT-A-PROFILE\n");
  AwsAuthConfig config;
  std::optional<Credentials> c = expect_credentials(config, "profile:default", "AKIADEFAULT");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->session_token, "");

  env_.set("AWS_PROFILE", "dev");
  // The credentials file wins over the config file for the same profile.
  c = expect_credentials(config, "profile:dev", "AKIADEV");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "dev-secret-1");
  EXPECT_EQ(c->session_token, "dev-token-secret-1");

  // `profile` in the config wins over AWS_PROFILE; [profile ops] of the config file, not [ops].
  config.profile = "ops";
  c = expect_credentials(config, "profile:ops", "AKIAOPS");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->secret_access_key, "ops-secret-1");

  // A profile asked for by name that does not exist is an error, not a fall-through to IMDS.
  config.profile = "missing";
  config.imds_endpoint = imds_.url();
  auto missing = fetch_once(config);
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("profile missing not found in " + home_.path()));
  EXPECT_EQ(imds_.credentials_served, 0);

  // AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files.
  config.profile.clear();
  env_.unset("AWS_PROFILE");
  env_.set("AWS_SHARED_CREDENTIALS_FILE", home_.write("elsewhere/creds",
                                                      "[default]\naws_access_key_id = AKIAMOVED\n"
                                                      "aws_secret_access_key = moved-secret-1\n"));
  expect_credentials(config, "profile:default", "AKIAMOVED");
}

TEST_F(CredentialChainTest, ABrokenCredentialsFileIsReportedWithItsLineButNotItsText) {
  home_.write(".aws/credentials",
              "[default]\naws_access_key_id = AKIABROKEN\nwJalrXUtnFEMI-secret-on-its-own\n");
  auto c = fetch_once(AwsAuthConfig{});
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message,
              HasSubstr(home_.path() + "/.aws/credentials:3: expected \"[section]\""));
  EXPECT_THAT(c.error().message, Not(HasSubstr("wJalr")));
}

TEST_F(CredentialChainTest, ProfileRoleWithASourceProfile) {
  home_.write(".aws/credentials",
              "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret-1\n");
  home_.write(".aws/config",
              "[profile app]\nrole_arn = arn:aws:iam::123456789012:role/app\n"
              "source_profile = base\nrole_session_name = app-session\n");
  sts_.assume_role_caller = "AKIABASE";
  AwsAuthConfig config;
  config.profile = "app";
  config.sts_endpoint = sts_.url();
  std::optional<Credentials> c =
      expect_credentials(config, "assume_role(profile:base)", "ASIASTS1");
  ASSERT_TRUE(c);
  EXPECT_EQ(sts_.last_form["Action"], "AssumeRole");
  EXPECT_EQ(sts_.last_form["RoleArn"], "arn:aws:iam::123456789012:role/app");
  EXPECT_EQ(sts_.last_form["RoleSessionName"], "app-session");
}

TEST_F(CredentialChainTest, ProfileWithAWebIdentityTokenFile) {
  home_.write(".aws/config",
              "[default]\nrole_arn = arn:aws:iam::123456789012:role/pod\n"
              "web_identity_token_file = " +
                  home_.write("jwt", sts_.web_identity_token) + "\n");
  AwsAuthConfig config;
  config.sts_endpoint = sts_.url();
  std::optional<Credentials> c = expect_credentials(config, "profile:default", "ASIASTS1");
  ASSERT_TRUE(c);
  EXPECT_EQ(sts_.last_form["Action"], "AssumeRoleWithWebIdentity");
  EXPECT_THAT(sts_.last_form["RoleSessionName"], StartsWith("vigil-"));
}

TEST_F(CredentialChainTest, ConfigRoleArnAssumesTheRoleWithTheChainsCredentials) {
  env_.set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT");
  env_.set("AWS_SECRET_ACCESS_KEY", "environment-secret-1");
  sts_.assume_role_caller = "AKIAENVIRONMENT";
  AwsAuthConfig config;
  config.role_arn = "arn:aws:iam::123456789012:role/writer";
  config.external_id = "ext-1";
  config.sts_endpoint = sts_.url();
  std::optional<Credentials> c = expect_credentials(config, "assume_role(environment)", "ASIASTS1");
  ASSERT_TRUE(c);
  EXPECT_EQ(sts_.last_form["ExternalId"], "ext-1");
  const auto& request = sts_.server().seen().back();
  EXPECT_THAT(request.header("authorization"),
              HasSubstr("/us-east-1/sts/aws4_request, SignedHeaders="));
  EXPECT_EQ(request.header("x-amz-security-token"), "");
}

TEST_F(CredentialChainTest, WebIdentityErrorsCarryStsCodeAndMessage) {
  env_.set("AWS_WEB_IDENTITY_TOKEN_FILE", home_.write("token", "eyJ.web-identity.expired"));
  env_.set("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
  AwsAuthConfig config;
  config.sts_endpoint = sts_.url();
  auto c = fetch_once(config);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message,
              HasSubstr("STS AssumeRoleWithWebIdentity at " + sts_.url() +
                        ": HTTP 400 InvalidIdentityToken: The web identity token is not valid"));

  env_.unset("AWS_ROLE_ARN");
  c = fetch_once(config);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("but no role ARN"));
}

TEST_F(CredentialChainTest, ContainerFullUriWithARotatedTokenFile) {
  container_.token = "task-auth-token-1";
  const std::string token_file = home_.write("pod-identity-token", "task-auth-token-1");
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", container_.url() + container_.path);
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
  container_.lifetime = 1h;
  auto provider = chain(AwsAuthConfig{});
  auto c = get(*provider);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->source, "container");
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER1");

  // The token file is read again for the refresh.
  container_.token = "task-auth-token-2";
  home_.write("pod-identity-token", "task-auth-token-2\n");
  scheduler_.advance(56min);
  ASSERT_TRUE(wait_for_key(*provider, "ASIACONTAINER2"));
  EXPECT_EQ(container_.server().seen().back().header("authorization"), "task-auth-token-2");
}

TEST_F(CredentialChainTest, ContainerFullUriMustBeHttpsOrLocal) {
  env_.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds");
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-auth-token-1");
  auto c = fetch_once(AwsAuthConfig{});
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("plain http is allowed only to a loopback address"));
}

TEST_F(CredentialChainTest, ContainerAnswersWithAnErrorStatus) {
  container_.token = "task-auth-token-1";
  env_.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", container_.path);
  env_.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "task-auth-token-wrong");
  auto c = fetch_once(AwsAuthConfig{});
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("HTTP 403: {\"message\":\"bad token\"}"));
}

TEST_F(CredentialChainTest, DescribeSaysWhichSourceWithoutNetwork) {
  AwsAuthConfig config;
  EXPECT_EQ(describe_credential_source(config, env_),
            "imds (http://169.254.169.254, if reachable)");
  env_.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]/");
  EXPECT_EQ(describe_credential_source(config, env_),
            "imds (http://[fd00:ec2::254], if reachable)");
  env_.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x");
  EXPECT_EQ(describe_credential_source(config, env_),
            "container (http://169.254.170.2/v2/credentials/x)");
  home_.write(".aws/credentials",
              "[default]\naws_access_key_id = AKIAEXAMPLE1234\naws_secret_access_key = s-secret\n");
  EXPECT_EQ(
      describe_credential_source(config, env_),
      "profile:default (aws_access_key_id ****1234 in " + home_.path() + "/.aws/credentials)");
  env_.set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  EXPECT_EQ(describe_credential_source(config, env_), "environment (AWS_ACCESS_KEY_ID ****MPLE)");
  config.role_arn = "arn:aws:iam::1:role/r";
  EXPECT_EQ(describe_credential_source(config, env_),
            "assume_role arn:aws:iam::1:role/r, with environment (AWS_ACCESS_KEY_ID ****MPLE)");
  config.role_arn.clear();
  env_.set("AWS_EC2_METADATA_DISABLED", "true");
  env_.unset("AWS_ACCESS_KEY_ID");
  env_.unset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::filesystem::remove(home_.path() + "/.aws/credentials");
  EXPECT_THAT(describe_credential_source(config, env_),
              StartsWith("none: config (no access_key_id in the configuration), environment"));
}

}  // namespace
}  // namespace vigil::aws::testing
