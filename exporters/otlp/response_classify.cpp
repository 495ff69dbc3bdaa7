#include "exporters/otlp/response_classify.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "agent/core/retry_policy.h"
#include "agent/net/compression.h"
#include "agent/net/grpc_framing.h"
#include "agent/net/http_types.h"

namespace vigil::exporters::otlp_exporter {

namespace {

// Enough of a server's text for a log line.
constexpr std::size_t kMaxTextInReason = 300;

constexpr std::array<std::string_view, 17> kGrpcCodeNames = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// A body shown in a log: control characters and bytes outside ASCII become '?' (it may be
// binary or in any charset), whitespace runs one space, cut to a line's worth.
std::string printable(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (out.size() >= kMaxTextInReason) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t' || u == '\r' || u == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(u >= 0x21 && u < 0x7f ? c : '?');
  }
  return out;
}

std::string_view media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The body as sent, decompressed when the server compressed it (we never ask it to).
core::Result<std::string> plain_body(const net::HttpClientResponse& response) {
  const std::string_view encoding = net::find_header(response.headers, "content-encoding");
  if (encoding.empty()) return response.body;
  const auto codec = net::parse_codec(encoding);
  if (!codec) {
    return core::make_error(
        fmt::format("body in unknown Content-Encoding \"{}\"", printable(encoding)));
  }
  return net::decompress(*codec, response.body, kMaxResponseBytes);
}

// How the server says it encoded its body; the request's encoding when it does not say.
std::optional<BodyEncoding> body_encoding(const net::HttpClientResponse& response,
                                          BodyEncoding request_encoding) {
  const std::string_view type = media_type(net::find_header(response.headers, "content-type"));
  if (type.empty()) return request_encoding;
  if (iequals(type, "application/x-protobuf") || iequals(type, "application/protobuf")) {
    return BodyEncoding::kProtobuf;
  }
  if (iequals(type, "application/json")) return BodyEncoding::kJson;
  return std::nullopt;  // text/html from a proxy, and the like
}

// What a failed request's body says: the Status (message and RetryInfo) or its text.
RpcStatus failure_details(const net::HttpClientResponse& response, BodyEncoding request_encoding) {
  RpcStatus status;
  auto body = plain_body(response);
  if (!body) {
    status.message = body.error().message;
    return status;
  }
  if (body->empty()) return status;
  if (const auto encoding = body_encoding(response, request_encoding)) {
    if (auto decoded = decode_rpc_status(*encoding, *body)) {
      decoded->message = printable(decoded->message);
      return *decoded;
    }
  }
  status.message = printable(*body);
  return status;
}

std::string http_reason(int status, std::string_view message) {
  std::string reason = fmt::format("HTTP {} {}", status, net::status_reason(status));
  if (!message.empty()) fmt::format_to(std::back_inserter(reason), ": {}", message);
  return reason;
}

core::SendResult success(core::Signal signal, BodyEncoding encoding, std::string_view body,
                         std::string_view what) {
  auto partial = decode_partial_success(signal, encoding, body);
  core::SendResult result = core::SendResult::ok();
  if (!partial) {
    // The server took the data; its answer is only unreadable. Said as a warning.
    result.reason = fmt::format("{} answer does not decode: {}", what, partial.error().message);
    return result;
  }
  result.rejected_items = partial->rejected;
  result.reason = printable(partial->error_message);
  return result;
}

std::string transport_reason(const net::HttpClientResponse& response) {
  if (response.timed_out) return fmt::format("request timed out ({})", response.error);
  return response.error.empty() ? std::string("no response") : response.error;
}

std::optional<int> parse_grpc_status(std::string_view value) {
  int code = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), code);
  if (error != std::errc() || end != value.data() + value.size() || value.empty() || code < 0) {
    return std::nullopt;
  }
  return code;
}

}  // namespace

bool is_retryable_http_status(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool is_retryable_grpc_code(int code, bool has_retry_info) {
  switch (code) {
    case net::kGrpcCancelled:
    case net::kGrpcDeadlineExceeded:
    case net::kGrpcAborted:
    case net::kGrpcOutOfRange:
    case net::kGrpcUnavailable:
    case net::kGrpcDataLoss:
      return true;
    case net::kGrpcResourceExhausted:
      return has_retry_info;
    default:
      return false;
  }
}

int grpc_code_from_http_status(int status) {
  switch (status) {
    case 400:
      return net::kGrpcInternal;
    case 401:
      return net::kGrpcUnauthenticated;
    case 403:
      return net::kGrpcPermissionDenied;
    case 404:
      return net::kGrpcUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return net::kGrpcUnavailable;
    default:
      return net::kGrpcUnknown;
  }
}

std::string fmt_grpc_code(int code) {
  if (code >= 0 && static_cast<std::size_t>(code) < kGrpcCodeNames.size()) {
    return std::string(kGrpcCodeNames[static_cast<std::size_t>(code)]);
  }
  return fmt::format("CODE_{}", code);
}

core::SendResult classify_http_response(core::Signal signal, BodyEncoding encoding,
                                        const net::HttpClientResponse& response,
                                        std::int64_t now_unix_nanos) {
  if (response.status == 0) return core::SendResult::retryable(transport_reason(response));
  if (response.status >= 200 && response.status < 300) {
    auto body = plain_body(response);
    if (!body) {
      core::SendResult result = core::SendResult::ok();
      result.reason = "answer does not decode: " + body.error().message;
      return result;
    }
    const auto answer_encoding = body_encoding(response, encoding);
    if (!answer_encoding) return core::SendResult::ok();  // not an OTLP body: nothing to read
    return success(signal, *answer_encoding, *body, "the server's");
  }
  const RpcStatus details = failure_details(response, encoding);
  std::string reason = http_reason(response.status, details.message);
  if (!is_retryable_http_status(response.status)) {
    const std::string_view location = net::find_header(response.headers, "location");
    if (response.status >= 300 && response.status < 400 && !location.empty()) {
      fmt::format_to(std::back_inserter(reason), " (redirect to {}: set the endpoint to it)",
                     printable(location));
    }
    return core::SendResult::permanent(std::move(reason));
  }
  std::optional<core::Duration> after;
  const std::string_view retry_after = net::find_header(response.headers, "retry-after");
  if (!retry_after.empty()) after = core::parse_retry_after(retry_after, now_unix_nanos);
  if (!after) after = details.retry_delay;
  return core::SendResult::retryable(std::move(reason), after);
}

core::SendResult classify_grpc_response(core::Signal signal,
                                        const net::HttpClientResponse& response) {
  if (response.status == 0) return core::SendResult::retryable(transport_reason(response));
  const std::string_view status_text = net::find_header(response.headers, "grpc-status");
  std::optional<int> code;
  std::string message;
  if (!status_text.empty()) {
    code = parse_grpc_status(status_text);
    if (!code) message = fmt::format("unreadable grpc-status \"{}\"", printable(status_text));
  } else if (response.status != 200) {
    code = grpc_code_from_http_status(response.status);
    message = fmt::format("HTTP {} {} without grpc-status", response.status,
                          net::status_reason(response.status));
    if (!response.body.empty())
      fmt::format_to(std::back_inserter(message), ": {}", printable(response.body));
  } else {
    // What gRPC libraries report for a call that ended without trailers.
    code = net::kGrpcInternal;
    message = "the server ended the call without grpc-status";
  }
  if (!code) code = net::kGrpcUnknown;

  if (*code == net::kGrpcOk) {
    auto decoded = decode_grpc_response_message(
        response.body, net::find_header(response.headers, "grpc-encoding"), kMaxResponseBytes);
    if (!decoded) {
      core::SendResult result = core::SendResult::ok();
      result.reason = "the server's answer does not decode: " + decoded.error().message;
      return result;
    }
    return success(signal, BodyEncoding::kProtobuf, *decoded, "the server's");
  }

  std::optional<core::Duration> retry_delay;
  bool has_retry_info = false;
  const std::string_view details_bin =
      net::find_header(response.headers, "grpc-status-details-bin");
  if (!details_bin.empty()) {
    if (auto bytes = decode_base64(details_bin)) {
      if (auto status = decode_rpc_status(BodyEncoding::kProtobuf, *bytes)) {
        has_retry_info = status->retry_delay.has_value();
        retry_delay = status->retry_delay;
        if (message.empty()) message = printable(status->message);
      }
    }
  }
  const std::string_view grpc_message = net::find_header(response.headers, "grpc-message");
  if (!grpc_message.empty()) message = printable(net::percent_decode_grpc_message(grpc_message));

  std::string reason = fmt::format("gRPC {}", fmt_grpc_code(*code));
  if (!message.empty()) fmt::format_to(std::back_inserter(reason), ": {}", message);
  if (!is_retryable_grpc_code(*code, has_retry_info)) {
    return core::SendResult::permanent(std::move(reason));
  }
  return core::SendResult::retryable(std::move(reason), retry_delay);
}

}  // namespace vigil::exporters::otlp_exporter
