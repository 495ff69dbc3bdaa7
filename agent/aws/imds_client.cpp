#include "agent/aws/imds_client.h"

#include <algorithm>
#include <cctype>

#include "agent/aws/credential_source.h"
#include "agent/aws/environment.h"
#include "agent/aws/shared_config.h"
#include "agent/net/http_client.h"

namespace vigil::aws {

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";

bool retryable(const net::HttpClientResponse& r) { return r.status == 0 || r.status >= 500; }

std::string lower(std::string text) {
  std::ranges::transform(text, text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

std::string imds_endpoint(const AwsAuthConfig& config, const Environment& env) {
  std::string endpoint = config.imds_endpoint;
  if (endpoint.empty()) endpoint = env.value("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  std::string mode = env.value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
  if (endpoint.empty() || mode.empty()) {
    // The profile may say either; a broken file is reported by the profile source, not here.
    if (auto shared = SharedConfig::load(shared_file_paths(env))) {
      if (auto profile = shared->profile(profile_name(config, env))) {
        if (endpoint.empty()) endpoint = profile->value("ec2_metadata_service_endpoint");
        if (mode.empty()) mode = profile->value("ec2_metadata_service_endpoint_mode");
      }
    }
  }
  if (endpoint.empty()) {
    endpoint = lower(mode) == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254";
  }
  while (endpoint.size() > 1 && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

bool imds_disabled(const Environment& env) {
  return lower(env.value("AWS_EC2_METADATA_DISABLED")) == "true";
}

struct ImdsClient::Read {
  std::string path;
  std::function<void(core::Result<std::string>)> done;
  int attempts_left = 0;
  bool token_renewed = false;
};

ImdsClient::ImdsClient(net::HttpClient& http, const core::Clock& clock, Options options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

ImdsClient::~ImdsClient() = default;

void ImdsClient::get(std::string path, std::function<void(core::Result<std::string>)> done) {
  auto read = std::make_shared<Read>(
      Read{std::move(path), std::move(done), std::max(options_.attempts, 1), false});
  if (!token_.empty() && clock_.monotonic() < token_valid_until_) {
    send_get(std::move(read));
  } else {
    fetch_token(std::move(read));
  }
}

void ImdsClient::fail(const std::shared_ptr<Read>& read, std::string message) {
  read->done(core::make_error("IMDS at " + options_.endpoint + ": " + message));
}

void ImdsClient::fetch_token(std::shared_ptr<Read> read) {
  net::HttpClientRequest request;
  request.method = "PUT";
  request.url = options_.endpoint + std::string(kTokenPath);
  request.timeout = options_.timeout;
  request.connect_timeout = options_.timeout;
  request.headers.push_back(
      {"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(options_.token_ttl.count())});
  std::weak_ptr<void> alive = alive_;
  const core::MonoTime asked_at = clock_.monotonic();
  http_.send(std::move(request), [this, alive, asked_at, read](net::HttpClientResponse r) {
    if (alive.expired()) return;
    if (r.status == 200 && !r.body.empty()) {
      token_ = std::move(r.body);
      // Counted from when it was asked for, with a minute to spare.
      token_valid_until_ = asked_at + options_.token_ttl - std::chrono::seconds(60);
      send_get(read);
      return;
    }
    if (retryable(r) && --read->attempts_left > 0) {
      fetch_token(read);
      return;
    }
    fail(read, "session token (PUT " + std::string(kTokenPath) +
                   "): " + describe_http_failure(r.status, r.body, r.error));
  });
}

void ImdsClient::send_get(std::shared_ptr<Read> read) {
  net::HttpClientRequest request;
  request.method = "GET";
  request.url = options_.endpoint + read->path;
  request.timeout = options_.timeout;
  request.connect_timeout = options_.timeout;
  request.headers.push_back({"X-aws-ec2-metadata-token", token_});
  std::weak_ptr<void> alive = alive_;
  http_.send(std::move(request), [this, alive, read](net::HttpClientResponse r) {
    if (alive.expired()) return;
    if (r.status == 200) {
      read->done(std::move(r.body));
      return;
    }
    if (r.status == 401 && !read->token_renewed) {
      read->token_renewed = true;
      token_.clear();
      fetch_token(read);
      return;
    }
    if (retryable(r) && --read->attempts_left > 0) {
      send_get(read);
      return;
    }
    fail(read, "GET " + read->path + ": " + describe_http_failure(r.status, r.body, r.error));
  });
}

}  // namespace vigil::aws
