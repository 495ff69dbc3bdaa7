// A remote-write receiver's answer (status, Retry-After, body) as remote write reads it: the
// verdict must follow the spec's classes and the logged text must be one bounded, control-free
// line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporters/prometheus/remote_write_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vigil::exporters::prometheus;
  if (size < 3) return 0;
  vigil::net::HttpClientResponse response;
  response.status = (data[0] << 8 | data[1]) % 700;
  const std::size_t header_len = std::min<std::size_t>(data[2], size - 3);
  response.headers.push_back(
      {"retry-after", std::string(reinterpret_cast<const char*>(data + 3), header_len)});
  response.body.assign(reinterpret_cast<const char*>(data + 3 + header_len), size - 3 - header_len);
  const RemoteWriteVerdict v = classify_remote_write_response(response, 1'700'000'000'000'000'000);
  const int s = response.status;
  const bool retryable = s == 0 || s == 429 || (s >= 500 && s < 600);
  if ((v.outcome == RemoteWriteOutcome::kRetryable) != retryable) __builtin_trap();
  if ((v.outcome == RemoteWriteOutcome::kDelivered) != (s >= 200 && s < 300)) __builtin_trap();
  if (v.retry_after && *v.retry_after < vigil::core::Duration::zero()) __builtin_trap();
  const std::string text = response_text(response.body, 64);
  if (text.size() > 64 + 3) __builtin_trap();
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
  }
  return 0;
}
