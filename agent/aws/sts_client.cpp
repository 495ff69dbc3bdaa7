#include "agent/aws/sts_client.h"

#include "agent/aws/canonical_request.h"
#include "agent/aws/environment.h"
#include "agent/aws/region.h"
#include "agent/aws/sigv4_signer.h"
#include "agent/aws/sts_response.h"
#include "agent/net/http_client.h"

namespace vigil::aws {

namespace {

std::string strip_trailing_slash(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

StsEndpoint sts_endpoint(const SourceContext& context) {
  const Environment& env = *context.env;
  auto region = resolve_region_offline(context.config, env);
  StsEndpoint endpoint;
  endpoint.region = region ? region->region : "us-east-1";
  for (const std::string& url : {context.config.sts_endpoint, env.value("AWS_ENDPOINT_URL_STS"),
                                 env.value("AWS_ENDPOINT_URL")}) {
    if (!url.empty()) {
      endpoint.url = strip_trailing_slash(url);
      return endpoint;
    }
  }
  if (region && env.value("AWS_STS_REGIONAL_ENDPOINTS") != "legacy") {
    const bool china = region->region.starts_with("cn-");
    endpoint.url =
        "https://sts." + region->region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
    return endpoint;
  }
  endpoint.url = "https://sts.amazonaws.com";
  endpoint.region = "us-east-1";
  return endpoint;
}

void call_sts(const SourceContext& context, const std::string& action, const QueryParams& params,
              const Credentials* signing_credentials, std::string source, std::weak_ptr<void> alive,
              CredentialsCallback done) {
  if (context.http == nullptr) {
    done(core::make_error("STS " + action + ": no HTTP client"));
    return;
  }
  const StsEndpoint endpoint = sts_endpoint(context);
  net::HttpClientRequest request;
  request.method = "POST";
  request.url = endpoint.url + "/";
  request.timeout = context.http_timeout;
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  request.body = "Action=" + action + "&Version=2011-06-15";
  for (const auto& [name, value] : params) {
    request.body += "&" + uri_encode(name, false) + "=" + uri_encode(value, false);
  }
  if (signing_credentials != nullptr) {
    SigV4Signer signer({endpoint.region, "sts"});
    signer.sign(request, *signing_credentials, wall_time(*context.clock));
  }
  const std::string where = "STS " + action + " at " + endpoint.url;
  context.http->send(
      std::move(request), [alive = std::move(alive), where, source = std::move(source),
                           done = std::move(done)](net::HttpClientResponse r) {
        if (alive.expired()) return;
        if (r.status == 200) {
          auto credentials = parse_sts_credentials(r.body, source);
          if (!credentials) {
            done(core::make_error(where + ": " + credentials.error().message));
            return;
          }
          done(std::move(credentials));
          return;
        }
        if (auto error = parse_sts_error(r.body)) {
          done(core::make_error(where + ": HTTP " + std::to_string(r.status) + " " + error->code +
                                ": " + error->message));
          return;
        }
        done(core::make_error(where + ": " + describe_http_failure(r.status, r.body, r.error)));
      });
}

}  // namespace vigil::aws
