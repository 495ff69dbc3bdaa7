#include "exporters/prometheus/remote_write_response.h"

#include <fmt/format.h>

#include "agent/core/retry_policy.h"

namespace vigil::exporters::prometheus {

namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::string response_text(std::string_view body, std::size_t max_bytes) {
  bool cut = false;
  if (body.size() > max_bytes) {
    std::size_t end = max_bytes;
    while (end > 0 && is_continuation(static_cast<unsigned char>(body[end]))) --end;
    body = body.substr(0, end);
    cut = true;
  }
  std::string out;
  out.reserve(body.size() + 3);
  for (char c : body) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) {
    out.clear();
  } else {
    out.erase(0, first);
    out.erase(out.find_last_not_of(' ') + 1);
  }
  if (cut) out += "...";
  return out;
}

RemoteWriteVerdict classify_remote_write_response(const net::HttpClientResponse& response,
                                                  std::int64_t now_unix_nanos) {
  RemoteWriteVerdict verdict;
  const int status = response.status;
  if (status == 0) {
    verdict.outcome = RemoteWriteOutcome::kRetryable;
    verdict.message =
        response.timed_out ? "timed out: " + response.error : "no response: " + response.error;
    return verdict;
  }
  if (status >= 200 && status < 300) return verdict;
  const std::string text = response_text(response.body);
  verdict.message = fmt::format("HTTP {} {}", status, net::status_reason(status));
  if (!text.empty()) verdict.message += ": " + text;
  if (status == 429 || (status >= 500 && status < 600)) {
    verdict.outcome = RemoteWriteOutcome::kRetryable;
    const std::string_view after = net::find_header(response.headers, "retry-after");
    if (!after.empty()) verdict.retry_after = core::parse_retry_after(after, now_unix_nanos);
    return verdict;
  }
  // 4xx other than 429, and statuses no receiver should send (1xx, 3xx): the same data would be
  // refused again.
  verdict.outcome = RemoteWriteOutcome::kPermanent;
  return verdict;
}

}  // namespace vigil::exporters::prometheus
