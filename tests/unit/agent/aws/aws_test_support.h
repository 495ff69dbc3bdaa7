#pragma once

// Local stand-ins for the AWS credential endpoints (IMDSv2, the container endpoint, STS) on the
// project's own HTTP server over 127.0.0.1, driven through the real HTTP client, plus a uv loop
// fixture that records the agent's log lines (to check no secret is ever written) and temp dirs.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <uv.h>

#include "agent/aws/aws_time.h"
#include "agent/aws/canonical_request.h"
#include "agent/aws/credential_provider.h"
#include "agent/aws/environment.h"
#include "agent/aws/sigv4_signer.h"
#include "agent/net/http_client.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "tests/unit/support/fake_clock.h"
#include "tests/unit/support/temp_dir.h"

namespace vigil::aws::testing {

using namespace std::chrono_literals;

// Temp dirs named vigil-aws-XXXXXX.
class TempDir : public vigil::testing::TempDir {
 public:
  TempDir() : vigil::testing::TempDir("vigil-aws-") {}
};

// An outbound request, for the signer.
inline net::HttpClientRequest make_request(std::string method, std::string url,
                                           net::HttpHeaders headers = {}, std::string body = "") {
  net::HttpClientRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

// Parses "a=1&b=x%2Fy" (form-encoded, as STS receives it).
inline std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    auto eq = pair.find('=');
    out[percent_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
  }
  return out;
}

// One HTTP server on 127.0.0.1:0 answering with `handler`; records what it saw.
class StandIn {
 public:
  struct Seen {
    std::string method;
    std::string path;
    net::HttpHeaders headers;
    std::string body;
    std::string header(std::string_view name) const {
      return std::string(net::find_header(headers, name));
    }
  };

  StandIn(uv_loop_t* loop, telemetry::Logger& logger,
          std::function<net::HttpResponse(const Seen&)> handler)
      : handler_(std::move(handler)) {
    net::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.name = "stand-in";
    server_ = std::make_unique<net::HttpServer>(
        loop, options,
        [this](net::HttpRequest&& request, net::HttpResponder responder) {
          seen_.push_back(Seen{request.method, request.path, request.headers, request.body});
          responder.send(handler_(seen_.back()));
        },
        logger);
    auto listening = server_->listen();
    EXPECT_TRUE(listening.has_value()) << listening.error().message;
  }
  ~StandIn() { server_->close(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  const std::vector<Seen>& seen() const { return seen_; }
  std::size_t count(std::string_view method, std::string_view path_prefix) const {
    std::size_t n = 0;
    for (const auto& s : seen_) n += s.method == method && s.path.starts_with(path_prefix);
    return n;
  }

 private:
  std::function<net::HttpResponse(const Seen&)> handler_;
  std::vector<Seen> seen_;
  std::unique_ptr<net::HttpServer> server_;
};

// A stand-in service: one StandIn answering with answer().
class StandInService {
 public:
  StandInService(uv_loop_t* loop, telemetry::Logger& logger, const core::Clock& clock)
      : clock_(clock),
        server_(loop, logger, [this](const StandIn::Seen& r) { return answer(r); }) {}
  virtual ~StandInService() = default;
  StandInService(const StandInService&) = delete;
  StandInService& operator=(const StandInService&) = delete;

  std::string url() const { return server_.url(); }
  const StandIn& server() const { return server_; }

 protected:
  virtual net::HttpResponse answer(const StandIn::Seen& request) = 0;
  // Expirations are this clock's wall time plus a lifetime.
  std::chrono::system_clock::time_point expiring_in(std::chrono::seconds lifetime) const {
    return wall_time(clock_) + lifetime;
  }

 private:
  const core::Clock& clock_;
  StandIn server_;
};

inline std::string credentials_json(const std::string& key, const std::string& secret,
                                    const std::string& token,
                                    std::chrono::system_clock::time_point expiration,
                                    bool imds_shape) {
  std::string json = "{";
  if (imds_shape) {
    json += "\"Code\":\"Success\",\"LastUpdated\":\"2024-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\",";
  }
  json += "\"AccessKeyId\":\"" + key + "\",\"SecretAccessKey\":\"" + secret + "\",\"Token\":\"" +
          token + "\",\"Expiration\":\"" + format_iso8601(expiration) + "\"}";
  return json;
}

// IMDSv2: PUT /latest/api/token, the role list, the role's credentials, placement/region.
// Tokens can be made invalid (as when their TTL passes), so reads get 401.
class ImdsStandIn final : public StandInService {
 public:
  using StandInService::StandInService;
  void invalidate_tokens() { valid_tokens_.clear(); }
  // Each credentials read hands out a new key "ASIAIMDS<n>" with secret "imds-secret-<n>".
  std::string key(int n) const { return "ASIAIMDS" + std::to_string(n); }
  std::string secret(int n) const { return "imds-secret-" + std::to_string(n); }
  int credentials_served = 0;
  std::chrono::seconds lifetime{6 * 3600};
  std::string role = "vigil-role";
  std::string region = "eu-west-3";
  bool refuse_tokens = false;

 private:
  net::HttpResponse answer(const StandIn::Seen& r) override {
    if (r.method == "PUT" && r.path == "/latest/api/token") {
      if (refuse_tokens) return {403, {}, "Forbidden"};
      if (r.header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return {400, {}, "no ttl"};
      if (!r.header("x-forwarded-for").empty()) return {403, {}, "forwarded"};
      std::string token = "imds-session-" + std::to_string(++tokens_issued_);
      valid_tokens_.push_back(token);
      return {200, {}, token};
    }
    if (r.method != "GET") return {405, {}, ""};
    if (std::ranges::find(valid_tokens_, r.header("x-aws-ec2-metadata-token")) ==
        valid_tokens_.end()) {
      return {401, {}, ""};
    }
    const std::string roles = "/latest/meta-data/iam/security-credentials/";
    if (r.path == roles) return {200, {}, role};
    if (r.path == roles + role) {
      ++credentials_served;
      return {200,
              {{"Content-Type", "text/plain"}},
              credentials_json(key(credentials_served), secret(credentials_served),
                               "imds-session-token-" + std::to_string(credentials_served),
                               expiring_in(lifetime), true)};
    }
    if (r.path == "/latest/meta-data/placement/region") return {200, {}, region};
    return {404, {}, "Not Found"};
  }

  int tokens_issued_ = 0;
  std::vector<std::string> valid_tokens_;
};

// The ECS / EKS Pod Identity endpoint: GET `path` with Authorization `token` (when not empty).
class ContainerStandIn final : public StandInService {
 public:
  using StandInService::StandInService;
  std::string path = "/v2/credentials/task-1";
  std::string token;
  int served = 0;
  std::chrono::seconds lifetime{3600};

 private:
  net::HttpResponse answer(const StandIn::Seen& r) override {
    if (r.method != "GET" || r.path != path) return {404, {}, "{\"message\":\"not found\"}"};
    if (r.header("authorization") != token) return {403, {}, "{\"message\":\"bad token\"}"};
    ++served;
    return {200,
            {{"Content-Type", "application/json"}},
            credentials_json("ASIACONTAINER" + std::to_string(served),
                             "container-secret-" + std::to_string(served),
                             "container-token-" + std::to_string(served), expiring_in(lifetime),
                             false)};
  }
};

// STS (query protocol, XML answers): AssumeRoleWithWebIdentity (unsigned, checks the token)
// and AssumeRole (checks it is signed by `assume_role_caller`).
class StsStandIn final : public StandInService {
 public:
  using StandInService::StandInService;
  std::string web_identity_token = "eyJ.web-identity.token";
  std::string assume_role_caller;  // access key id that must sign AssumeRole
  int served = 0;
  std::chrono::seconds lifetime{3600};
  std::map<std::string, std::string> last_form;

 private:
  static net::HttpResponse error(int status, const std::string& code, const std::string& message) {
    return {status,
            {{"Content-Type", "text/xml"}},
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
            "  <Error>\n    <Type>Sender</Type>\n    <Code>" +
                code + "</Code>\n    <Message>" + message +
                "</Message>\n  </Error>\n  <RequestId>r-1</RequestId>\n</ErrorResponse>\n"};
  }

  net::HttpResponse answer(const StandIn::Seen& r) override {
    if (r.method != "POST" || r.path != "/") return error(404, "UnknownOperation", "no");
    last_form = parse_form(r.body);
    const std::string action = last_form["Action"];
    if (last_form["Version"] != "2011-06-15") return error(400, "InvalidAction", "version");
    if (last_form["RoleArn"].empty() || last_form["RoleSessionName"].empty()) {
      return error(400, "MissingParameter", "RoleArn and RoleSessionName are required");
    }
    if (action == "AssumeRoleWithWebIdentity") {
      if (!r.header("authorization").empty()) return error(400, "InvalidRequest", "signed");
      if (last_form["WebIdentityToken"] != web_identity_token) {
        return error(400, "InvalidIdentityToken", "The web identity token is not valid");
      }
    } else if (action == "AssumeRole") {
      if (!r.header("authorization")
               .starts_with("AWS4-HMAC-SHA256 Credential=" + assume_role_caller + "/")) {
        return error(403, "InvalidClientTokenId", "The security token included is invalid");
      }
    } else {
      return error(400, "InvalidAction", "unknown action");
    }
    ++served;
    const std::string n = std::to_string(served);
    return {200,
            {{"Content-Type", "text/xml"}},
            "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" +
                action + "Result>\n    <Credentials>\n      <SessionToken>sts-token-" + n +
                "</SessionToken>\n      <SecretAccessKey>sts-secret-" + n +
                "</SecretAccessKey>\n      <Expiration>" + format_iso8601(expiring_in(lifetime)) +
                "</Expiration>\n      <AccessKeyId>ASIASTS" + n +
                "</AccessKeyId>\n    </Credentials>\n    <AssumedRoleUser>\n      "
                "<Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>\n    </AssumedRoleUser>\n  "
                "</" +
                action +
                "Result>\n  <ResponseMetadata>\n    <RequestId>r-2</RequestId>\n  "
                "</ResponseMetadata>\n</" +
                action + "Response>\n"};
  }
};

// A uv loop, the real HTTP client, a fake clock and scheduler (refresh timers), and a logger
// whose lines are kept.
class AwsLoopTest : public ::testing::Test {
 protected:
  AwsLoopTest()
      : logger_(telemetry::Logger::Options{telemetry::LogLevel::kDebug}, clock_,
                [this](std::string_view line) { log_.emplace_back(line); }) {
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    http_ = std::make_unique<net::HttpClient>(&loop_, logger_);
  }

  ~AwsLoopTest() override {
    http_.reset();
    for (int i = 0; i < 100 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open on the loop";
  }

  // Runs the loop until `done()` holds; false after `limit`.
  bool run_until(const std::function<bool()>& done, core::Duration limit = 20s) {
    net::UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // One get() through to its answer.
  core::Result<Credentials> get(CredentialProvider& provider) {
    // Shared, so an answer arriving after a timeout finds it alive.
    auto result = std::make_shared<std::optional<core::Result<Credentials>>>();
    provider.get([result](core::Result<Credentials> r) { *result = std::move(r); });
    EXPECT_TRUE(run_until([&] { return result->has_value(); })) << "no credentials in time";
    return result->value_or(core::make_error("no answer"));
  }

  CredentialChainDeps deps() {
    CredentialChainDeps d;
    d.http_client = http_.get();
    d.scheduler = &scheduler_;
    d.clock = &clock_;
    d.logger = &logger_;
    d.environment = &env_;
    d.component = "exporter/test";
    return d;
  }

  std::string log_text() const {
    std::string all;
    for (const auto& line : log_) all += line + "\n";
    return all;
  }

  vigil::testing::FakeClock clock_;
  vigil::testing::FakeScheduler scheduler_{clock_};
  std::vector<std::string> log_;
  telemetry::Logger logger_;
  uv_loop_t loop_{};
  std::unique_ptr<net::HttpClient> http_;
  MapEnvironment env_;
};

}  // namespace vigil::aws::testing
