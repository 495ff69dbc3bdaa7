// Container credentials (ECS task roles, EKS Pod Identity): GET
// http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or
// $AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or the ECS/EKS link-local
// addresses only), with the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read
// again every time: EKS rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
#include "agent/aws/canonical_request.h"
#include "agent/aws/credential_source.h"
#include "agent/aws/credentials_json.h"
#include "agent/aws/environment.h"
#include "agent/aws/small_file.h"
#include "agent/net/http_client.h"

namespace vigil::aws {

namespace {

// The host of a "host[:port]" Host header, without IPv6 brackets.
std::string bare_host(std::string_view host_header) {
  if (host_header.starts_with('[')) {
    auto close = host_header.find(']');
    return std::string(host_header.substr(
        1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return std::string(host_header.substr(0, host_header.rfind(':')));
}

bool allowed_plain_http_host(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

class ContainerSource final : public CredentialSource {
 public:
  explicit ContainerSource(ContextPtr context) : context_(std::move(context)) {}

  std::string name() const override { return "container"; }

  SourceCheck check() const override {
    auto url = endpoint();
    if (!url) return {true, "error: " + url.error().message};
    if (url->empty()) {
      return {false,
              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not "
              "set"};
    }
    return {true, *url};
  }

  void fetch(CredentialsCallback done) override {
    auto url = endpoint();
    if (!url || url->empty()) {
      done(core::make_error(url ? "no container credentials endpoint" : url.error().message));
      return;
    }
    auto token = authorization();
    if (!token) {
      done(std::unexpected(token.error()));
      return;
    }
    if (context_->http == nullptr) {
      done(core::make_error("no HTTP client"));
      return;
    }
    net::HttpClientRequest request;
    request.method = "GET";
    request.url = *url;
    request.timeout = context_->http_timeout;
    request.connect_timeout = context_->http_timeout;
    if (!token->empty()) request.headers.push_back({"Authorization", *token});
    request.headers.push_back({"Accept", "application/json"});
    std::weak_ptr<void> alive = alive_;
    context_->http->send(std::move(request), [alive, where = *url,
                                              done = std::move(done)](net::HttpClientResponse r) {
      if (alive.expired()) return;
      if (r.status != 200) {
        done(core::make_error(where + ": " + describe_http_failure(r.status, r.body, r.error)));
        return;
      }
      auto credentials = parse_credentials_json(r.body, "container");
      if (!credentials) {
        done(core::make_error(where + ": " + credentials.error().message));
        return;
      }
      done(std::move(credentials));
    });
  }

 private:
  // "" when neither variable is set.
  core::Result<std::string> endpoint() const {
    const Environment& env = *context_->env;
    const std::string relative = env.value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if (!relative.empty()) {
      return context_->container_endpoint + (relative.starts_with('/') ? "" : "/") + relative;
    }
    const std::string full = env.value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (full.empty()) return std::string();
    auto parts = split_url(full);
    if (!parts)
      return core::make_error("AWS_CONTAINER_CREDENTIALS_FULL_URI: " + parts.error().message);
    if (parts->scheme == "http" && !allowed_plain_http_host(bare_host(parts->host_header))) {
      return core::make_error("AWS_CONTAINER_CREDENTIALS_FULL_URI " + full +
                              ": plain http is allowed only to a loopback address, "
                              "169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https");
    }
    return full;
  }

  core::Result<std::string> authorization() const {
    const Environment& env = *context_->env;
    const std::string file = env.value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    std::string token;
    if (!file.empty()) {
      auto content = read_small_file(file, 16 * 1024);
      if (!content) return std::unexpected(content.error());
      if (!content->has_value()) {
        return core::make_error("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + file +
                                ": no such file");
      }
      token = std::move(**content);
    } else {
      token = env.value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.find_first_of("\r\n") != std::string::npos) {
      return core::make_error("the container authorization token contains a line break");
    }
    return token;
  }

  ContextPtr context_;
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace

SourcePtr make_container_source(ContextPtr context) {
  return std::make_unique<ContainerSource>(std::move(context));
}

}  // namespace vigil::aws
