#include "exporters/cloudwatch/aws_client.h"

#include <fmt/format.h>

#include "agent/net/http_client.h"

namespace vigil::exporters::cloudwatch {

std::string AwsAnswer::describe(std::string_view operation) const {
  if (status == 0) return fmt::format("{}: no answer: {}", operation, transport_error);
  std::string code = error.code.empty() ? std::string("HTTP error") : error.code;
  std::string text = fmt::format("{}: {} ({})", operation, code, status);
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

std::string aws_endpoint(std::string_view service, std::string_view region,
                         std::string_view override_url) {
  if (!override_url.empty()) return std::string(override_url);
  const bool china = region.starts_with("cn-");
  return fmt::format("https://{}.{}.amazonaws.com{}/", service, region, china ? ".cn" : "");
}

AwsClient::AwsClient(AwsClientOptions options, net::HttpClient& http,
                     aws::CredentialProvider& credentials, const core::Clock& clock)
    : options_(std::move(options)),
      http_(http),
      credentials_(credentials),
      clock_(clock),
      signer_(aws::SigningParams{options_.region, options_.service.signing_name}) {}

AwsClient::~AwsClient() { *alive_ = false; }

void AwsClient::call(AwsCall call, std::function<void(AwsAnswer)> done) {
  credentials_.get([this, alive = alive_, call = std::move(call),
                    done = std::move(done)](core::Result<aws::Credentials> credentials) mutable {
    if (!*alive) return;
    if (!credentials) {
      // No credentials yet (IMDS unreachable, STS failing): nothing was sent, try again later.
      AwsAnswer answer;
      answer.verdict = AwsVerdict::kRetryable;
      answer.transport_error = "no AWS credentials: " + credentials.error().message;
      done(std::move(answer));
      return;
    }
    send_signed(std::move(call), *credentials, std::move(done));
  });
}

void AwsClient::send_signed(AwsCall call, const aws::Credentials& credentials,
                            std::function<void(AwsAnswer)> done) {
  const AwsService& service = options_.service;
  net::HttpClientRequest request;
  request.method = "POST";
  request.url = service.endpoint;
  request.timeout = options_.timeout;
  if (service.protocol == AwsProtocol::kQuery) {
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  } else {
    request.headers.push_back({"Content-Type", "application/x-amz-json-1.1"});
    request.headers.push_back({"X-Amz-Target", service.target_prefix + "." + call.operation});
  }
  if (!call.content_encoding.empty()) {
    request.headers.push_back({"Content-Encoding", call.content_encoding});
  }
  for (auto& [name, value] : call.headers) request.headers.push_back({name, value});
  if (!options_.user_agent.empty()) request.headers.push_back({"User-Agent", options_.user_agent});
  request.body = std::move(call.body);
  request.compression = net::Codec::kNone;  // the signature covers the bytes as sent
  signer_.sign(request, credentials, aws::wall_time(clock_));
  http_.send(std::move(request), [alive = alive_, protocol = service.protocol,
                                  done = std::move(done)](net::HttpClientResponse response) {
    if (!*alive) return;
    AwsAnswer answer;
    answer.status = response.status;
    answer.transport_error = response.timed_out ? "timed out: " + response.error : response.error;
    if (response.status < 200 || response.status >= 300) {
      answer.error = parse_aws_error(protocol, response.body,
                                     net::find_header(response.headers, "x-amzn-errortype"));
    }
    answer.verdict = classify_aws_answer(response.status, answer.error);
    answer.body = std::move(response.body);
    done(std::move(answer));
  });
}

}  // namespace vigil::exporters::cloudwatch
