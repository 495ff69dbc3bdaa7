#include "exporters/cloudwatch/aws_response.h"

#include <algorithm>
#include <array>

#include <rapidjson/document.h>

#include "agent/aws/sts_response.h"
#include "agent/core/json_document.h"

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

// One JSON object (core::parse_json_document's rules).
bool parse_json_object(std::string_view body, rapidjson::Document& document) {
  return core::parse_json_document(body, document) == nullptr && document.IsObject();
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
  using Value = rapidjson::Value;
  rapidjson::Document document;
  if (parse_json_object(body, document)) {
    if (const Value* type = core::json_member(document, "__type", &Value::IsString)) {
      error.code = std::string(bare_code(core::json_string(*type)));
    }
    const Value* message = core::json_member(document, "message", &Value::IsString);
    if (message == nullptr) message = core::json_member(document, "Message", &Value::IsString);
    if (message != nullptr) error.message = std::string(core::json_string(*message));
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
  using Value = rapidjson::Value;
  rapidjson::Document document;
  if (!parse_json_object(body, document)) return std::nullopt;
  const Value* info = core::json_member(document, "rejectedLogEventsInfo", &Value::IsObject);
  if (info == nullptr) return 0;
  const auto n = static_cast<std::int64_t>(events);
  // Rejected: the first max(tooOld, expired) events (end indexes are exclusive, as the
  // CloudWatch agent reads them) and those from tooNewLogEventStartIndex on.
  std::int64_t old_end = 0;
  for (const char* key : {"tooOldLogEventEndIndex", "expiredLogEventEndIndex"}) {
    if (const Value* index = core::json_member(*info, key, &Value::IsInt64)) {
      old_end = std::max(old_end, index->GetInt64());
    }
  }
  old_end = std::clamp<std::int64_t>(old_end, 0, n);
  std::int64_t new_start = n;
  if (const Value* index = core::json_member(*info, "tooNewLogEventStartIndex", &Value::IsInt64)) {
    new_start = index->GetInt64();
  }
  new_start = std::clamp<std::int64_t>(new_start, old_end, n);
  const std::int64_t rejected = old_end + (n - new_start);
  return static_cast<std::uint64_t>(std::clamp<std::int64_t>(rejected, 0, n));
}

}  // namespace vigil::exporters::cloudwatch
