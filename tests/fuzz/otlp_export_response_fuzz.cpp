// What OTLP backends answer the exporter (exporters/otlp/export_response.h and
// response_classify.h): Export*ServiceResponse partial success, google.rpc.Status with
// RetryInfo (protobuf and JSON), gRPC trailers and length-prefixed response messages.
//
// Input: byte 0 picks the signal and the request encoding; bytes 1-2 are the HTTP status
// (big-endian, modulo 600); then six '\n'-terminated header values (content-type,
// content-encoding, retry-after, grpc-status, grpc-message, grpc-status-details-bin) where an
// empty value means the header is absent; the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporters/otlp/export_response.h"
#include "exporters/otlp/response_classify.h"

namespace {

using namespace vigil;
using namespace vigil::exporters::otlp_exporter;

constexpr std::string_view kHeaderNames[] = {"content-type", "content-encoding",
                                             "retry-after",  "grpc-status",
                                             "grpc-message", "grpc-status-details-bin"};

void check(const core::SendResult& result, bool retryable_status) {
  if (result.status == core::SendResult::Status::kRetryable && !retryable_status) __builtin_trap();
  if (result.retry_after && *result.retry_after < core::Duration::zero()) __builtin_trap();
  if (result.status != core::SendResult::Status::kOk && result.rejected_items != 0) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto selector = static_cast<std::uint8_t>(input[0]);
  const core::Signal signal = core::kAllSignals[selector % 3];
  const BodyEncoding encoding = (selector & 4) != 0 ? BodyEncoding::kJson : BodyEncoding::kProtobuf;
  net::HttpClientResponse response;
  response.status =
      ((static_cast<std::uint8_t>(input[1]) << 8) | static_cast<std::uint8_t>(input[2])) % 600;
  input.remove_prefix(3);
  for (std::string_view name : kHeaderNames) {
    const std::size_t end = input.find('\n');
    if (end == std::string_view::npos) break;
    if (end > 0) response.headers.push_back({std::string(name), std::string(input.substr(0, end))});
    input.remove_prefix(end + 1);
  }
  response.body = std::string(input);

  // The decoders on their own.
  (void)decode_partial_success(signal, encoding, response.body);
  if (auto status = decode_rpc_status(encoding, response.body)) {
    if (status->retry_delay && *status->retry_delay < core::Duration::zero()) __builtin_trap();
  }
  (void)decode_base64(response.body);
  (void)parse_json_duration(response.body);
  if (auto message = decode_grpc_response_message(response.body, "gzip", 1 << 16)) {
    if (message->size() > (1 << 16)) __builtin_trap();
  }

  // The classification of the whole answer.
  const int status = response.status;
  check(classify_http_response(signal, encoding, response, 1'700'000'000'000'000'000),
        is_retryable_http_status(status) || status == 0);
  const core::SendResult grpc = classify_grpc_response(signal, response);
  if (grpc.status == core::SendResult::Status::kRetryable && grpc.reason.rfind("gRPC ", 0) != 0 &&
      status != 0) {
    __builtin_trap();
  }
  return 0;
}
