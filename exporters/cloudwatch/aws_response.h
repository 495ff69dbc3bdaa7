#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::exporters::cloudwatch {

// How a service shapes its errors: the query protocol (CloudWatch PutMetricData) answers XML
// <ErrorResponse><Error><Code>..</Code><Message>..</Message></Error>; AWS JSON 1.1 (CloudWatch
// Logs) answers {"__type":"[namespace#]Code","message":".."}.
enum class AwsProtocol : std::uint8_t { kQuery, kJson };

struct AwsError {
  std::string code;     // "" when the body named none
  std::string message;  // AWS's own words, for logs
};

// Reads an error body. `error_type_header` is the x-amzn-ErrorType header, used when a JSON body
// has no __type. Never fails: what cannot be read stays empty.
AwsError parse_aws_error(AwsProtocol protocol, std::string_view body,
                         std::string_view error_type_header = {});

// What to do about an answer (PROTOCOLS.md 5.1, 5.2 and the SDKs' standard retry mode).
enum class AwsVerdict : std::uint8_t {
  kOk,
  kRetryable,      // throttling, 5xx, transport errors, expired or not yet valid credentials
  kPermanent,      // InvalidParameter* and every other 4xx: retrying cannot help
  kNotFound,       // ResourceNotFoundException: create the log group or stream, then resend
  kAlreadyExists,  // ResourceAlreadyExistsException: success for Create* calls
};

// `status` 0 means no HTTP answer (a transport error or timeout).
AwsVerdict classify_aws_answer(int status, const AwsError& error);

// Whether `code` is one of the SDKs' throttling codes.
bool is_throttling_code(std::string_view code);

// The number of events a PutLogEvents success answer says were rejected (rejectedLogEventsInfo:
// too new from tooNewLogEventStartIndex on, too old before tooOldLogEventEndIndex, expired
// before expiredLogEventEndIndex), out of `events` sent. nullopt when the body is not JSON.
std::optional<std::uint64_t> rejected_log_events(std::string_view body, std::uint64_t events);

}  // namespace vigil::exporters::cloudwatch
