#include "exporters/cloudwatch/aws_response.h"

#include <algorithm>
#include <array>

#include <simdjson.h>

#include "agent/aws/sts_response.h"

namespace vigil::exporters::cloudwatch {

namespace {

constexpr std::array<std::string_view, 14> kThrottlingCodes{
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

// Errors that new credentials, a corrected clock or a moment's wait can cure: retried with
// back-off (the credential provider refreshes meanwhile) instead of dropping the data.
constexpr std::array<std::string_view, 11> kTransientCredentialCodes{
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "RequestTimeTooSkewed",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "RequestTimeout",
    "RequestTimeoutException",
    "ServiceUnavailable",
};

// "namespace#Code:http://..." -> "Code" (the JSON protocols' __type and x-amzn-ErrorType).
std::string_view bare_code(std::string_view type) {
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  return type;
}

}  // namespace

AwsError parse_aws_error(AwsProtocol protocol, std::string_view body,
                         std::string_view error_type_header) {
  AwsError error;
  if (protocol == AwsProtocol::kQuery) {
    // The query protocol's <ErrorResponse>, read with expat like STS's (the same protocol).
    if (auto parsed = aws::parse_sts_error(body)) {
      error.code = std::move(parsed->code);
      error.message = std::move(parsed->message);
    }
    return error;
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object object;
  if (!parser.parse(padded).get_object().get(object)) {
    std::string_view type, message;
    if (!object["__type"].get_string().get(type)) error.code = std::string(bare_code(type));
    if (!object["message"].get_string().get(message) ||
        !object["Message"].get_string().get(message)) {
      error.message = std::string(message);
    }
  }
  if (error.code.empty() && !error_type_header.empty()) {
    error.code = std::string(bare_code(error_type_header));
  }
  return error;
}

bool is_throttling_code(std::string_view code) {
  return std::find(kThrottlingCodes.begin(), kThrottlingCodes.end(), code) !=
         kThrottlingCodes.end();
}

AwsVerdict classify_aws_answer(int status, const AwsError& error) {
  if (status >= 200 && status < 300) return AwsVerdict::kOk;
  if (error.code == "ResourceNotFoundException") return AwsVerdict::kNotFound;
  if (error.code == "ResourceAlreadyExistsException") return AwsVerdict::kAlreadyExists;
  if (status == 0 || status >= 500 || status == 429) return AwsVerdict::kRetryable;
  if (is_throttling_code(error.code)) return AwsVerdict::kRetryable;
  if (std::find(kTransientCredentialCodes.begin(), kTransientCredentialCodes.end(), error.code) !=
      kTransientCredentialCodes.end()) {
    return AwsVerdict::kRetryable;
  }
  return AwsVerdict::kPermanent;
}

std::optional<std::uint64_t> rejected_log_events(std::string_view body, std::uint64_t events) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(body);
  simdjson::dom::object object;
  if (parser.parse(padded).get_object().get(object)) return std::nullopt;
  simdjson::dom::object info;
  if (object["rejectedLogEventsInfo"].get_object().get(info)) return 0;
  const auto n = static_cast<std::int64_t>(events);
  // Rejected: the first max(tooOld, expired) events (end indexes are exclusive, as the
  // CloudWatch agent reads them) and those from tooNewLogEventStartIndex on.
  std::int64_t old_end = 0;
  std::int64_t index = 0;
  if (!info["tooOldLogEventEndIndex"].get_int64().get(index)) old_end = std::max(old_end, index);
  if (!info["expiredLogEventEndIndex"].get_int64().get(index)) old_end = std::max(old_end, index);
  old_end = std::clamp<std::int64_t>(old_end, 0, n);
  std::int64_t new_start = n;
  if (!info["tooNewLogEventStartIndex"].get_int64().get(index)) new_start = index;
  new_start = std::clamp<std::int64_t>(new_start, old_end, n);
  const std::int64_t rejected = old_end + (n - new_start);
  return static_cast<std::uint64_t>(std::clamp<std::int64_t>(rejected, 0, n));
}

}  // namespace vigil::exporters::cloudwatch
