#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/aws/credential_provider.h"
#include "agent/aws/sigv4_signer.h"
#include "agent/core/clock.h"
#include "exporters/cloudwatch/aws_response.h"

namespace vigil::net {
class HttpClient;
}

namespace vigil::exporters::cloudwatch {

// One AWS API call, its body exactly as it will be sent.
struct AwsCall {
  std::string operation;  // "PutMetricData", "PutLogEvents", ... (for logs)
  std::string body;
  std::string content_encoding;  // "gzip" when the body is compressed, else ""
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. x-amzn-logs-format
};

struct AwsAnswer {
  AwsVerdict verdict = AwsVerdict::kOk;
  int status = 0;
  AwsError error;               // code and AWS's message when it failed
  std::string body;             // the response body
  std::string transport_error;  // when status is 0
  // "PutLogEvents: ThrottlingException (400): Rate exceeded", for logs and SendResult reasons.
  std::string describe(std::string_view operation) const;
};

// Which API a client speaks: the endpoint, the SigV4 service name, the protocol.
struct AwsService {
  std::string endpoint;      // "https://monitoring.us-east-1.amazonaws.com/"
  std::string signing_name;  // "monitoring" or "logs"
  AwsProtocol protocol = AwsProtocol::kQuery;
  // AWS JSON 1.1 services: X-Amz-Target = target_prefix + "." + operation.
  std::string target_prefix;  // "Logs_20140328"
};

struct AwsClientOptions {
  AwsService service;
  std::string region;
  core::Duration timeout = std::chrono::seconds(30);
  std::string user_agent;
};

// Signs (SigV4, over the body as sent) and sends AWS API calls with credentials from the
// provider, and classifies the answers (aws_response.h). Loop thread only. `done` never runs
// after the client is destroyed.
class AwsClient {
 public:
  AwsClient(AwsClientOptions options, net::HttpClient& http, aws::CredentialProvider& credentials,
            const core::Clock& clock);
  ~AwsClient();
  AwsClient(const AwsClient&) = delete;
  AwsClient& operator=(const AwsClient&) = delete;

  void call(AwsCall call, std::function<void(AwsAnswer)> done);

  const AwsClientOptions& options() const { return options_; }

 private:
  void send_signed(AwsCall call, const aws::Credentials& credentials,
                   std::function<void(AwsAnswer)> done);

  AwsClientOptions options_;
  net::HttpClient& http_;
  aws::CredentialProvider& credentials_;
  const core::Clock& clock_;
  aws::SigV4Signer signer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The service endpoint for a region: https://<service>.<region>.amazonaws.com/ (".com.cn" in
// the China regions), unless `override_url` is set.
std::string aws_endpoint(std::string_view service, std::string_view region,
                         std::string_view override_url);

}  // namespace vigil::exporters::cloudwatch
