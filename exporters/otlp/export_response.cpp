#include "exporters/otlp/export_response.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <limits>

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>
#include <rapidjson/document.h>

#include "agent/core/json_document.h"
#include "agent/net/compression.h"
#include "agent/net/grpc_framing.h"
#include "agent/net/openssl_library.h"
#include "agent/otlp/otlp_json_decode.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::exporters::otlp_exporter {

namespace {

namespace collector = opentelemetry::proto::collector;
constexpr std::string_view kRetryInfoSuffix = "/google.rpc.RetryInfo";
// Seconds beyond this saturate: nanoseconds in an int64 last about 292 years.
constexpr std::int64_t kMaxDurationSeconds =
    std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1;

bool parse_message(google::protobuf::Message& message, std::string_view body) {
  // A server's bytes that are not what they claim (invalid UTF-8 in a string field) fail the
  // parse, which we report; libprotobuf would also write an ERROR line to stderr per answer.
  google::protobuf::LogSilencer quiet;
  return body.size() <= static_cast<std::size_t>(INT_MAX) &&
         message.ParseFromArray(body.data(), static_cast<int>(body.size()));
}

core::Result<void> decode_into(google::protobuf::Message& message, BodyEncoding encoding,
                               std::string_view body) {
  if (encoding == BodyEncoding::kJson) {
    auto parsed = vigil::otlp::parse_otlp_json(body, message);
    if (!parsed) return parsed;
    return {};
  }
  if (!parse_message(message, body)) {
    return core::make_error(
        fmt::format("malformed {} ({} bytes)", message.GetDescriptor()->full_name(), body.size()));
  }
  return {};
}

template <typename Response>
core::Result<PartialSuccess> partial_of(BodyEncoding encoding, std::string_view body,
                                        auto rejected_of) {
  Response response;
  if (auto decoded = decode_into(response, encoding, body); !decoded) {
    return std::unexpected(decoded.error());
  }
  PartialSuccess out;
  const std::int64_t rejected = rejected_of(response.partial_success());
  out.rejected = rejected > 0 ? static_cast<std::uint64_t>(rejected) : 0;
  out.error_message = response.partial_success().error_message();
  return out;
}

core::Duration saturating_duration(std::int64_t seconds, std::int64_t nanos) {
  if (seconds > kMaxDurationSeconds) return core::Duration::max();
  if (seconds < -kMaxDurationSeconds) return core::Duration::min();
  return std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos);
}

std::optional<core::Duration> positive(core::Duration d) {
  if (d < core::Duration::zero()) return std::nullopt;
  return d;
}

core::Result<RpcStatus> decode_protobuf_status(std::string_view body) {
  google::rpc::Status status;
  if (!parse_message(status, body)) {
    return core::make_error(fmt::format("malformed google.rpc.Status ({} bytes)", body.size()));
  }
  RpcStatus out;
  out.code = status.code();
  out.message = status.message();
  for (const auto& detail : status.details()) {
    if (!detail.type_url().ends_with(kRetryInfoSuffix)) continue;
    google::rpc::RetryInfo retry;
    if (!parse_message(retry, detail.value()) || !retry.has_retry_delay()) continue;
    out.retry_delay =
        positive(saturating_duration(retry.retry_delay().seconds(), retry.retry_delay().nanos()));
  }
  return out;
}

core::Result<RpcStatus> decode_json_status(std::string_view body) {
  rapidjson::Document document;
  if (const char* error = core::parse_json_document(body, document)) {
    return core::make_error(fmt::format("google.rpc.Status is not JSON ({})", error));
  }
  if (!document.IsObject()) return core::make_error("google.rpc.Status is not a JSON object");
  RpcStatus out;
  using Value = rapidjson::Value;
  if (const Value* code = core::json_member(document, "code", &Value::IsInt64);
      code != nullptr && code->GetInt64() >= INT_MIN && code->GetInt64() <= INT_MAX) {
    out.code = static_cast<int>(code->GetInt64());
  }
  if (const Value* message = core::json_member(document, "message", &Value::IsString)) {
    out.message = std::string(core::json_string(*message));
  }
  const Value* details = core::json_member(document, "details", &Value::IsArray);
  if (details == nullptr) return out;
  for (const Value& detail : details->GetArray()) {
    const Value* type = core::json_member(detail, "@type", &Value::IsString);
    if (type == nullptr || !core::json_string(*type).ends_with(kRetryInfoSuffix)) continue;
    const Value* delay = core::json_member(detail, "retryDelay", &Value::IsString);
    if (delay == nullptr) continue;
    if (auto parsed = parse_json_duration(core::json_string(*delay)))
      out.retry_delay = positive(*parsed);
  }
  return out;
}

}  // namespace

core::Result<PartialSuccess> decode_partial_success(core::Signal signal, BodyEncoding encoding,
                                                    std::string_view body) {
  if (body.empty()) return PartialSuccess{};
  switch (signal) {
    case core::Signal::kTraces:
      return partial_of<collector::trace::v1::ExportTraceServiceResponse>(
          encoding, body, [](const auto& p) { return p.rejected_spans(); });
    case core::Signal::kLogs:
      return partial_of<collector::logs::v1::ExportLogsServiceResponse>(
          encoding, body, [](const auto& p) { return p.rejected_log_records(); });
    case core::Signal::kMetrics:
      return partial_of<collector::metrics::v1::ExportMetricsServiceResponse>(
          encoding, body, [](const auto& p) { return p.rejected_data_points(); });
  }
  return PartialSuccess{};
}

core::Result<RpcStatus> decode_rpc_status(BodyEncoding encoding, std::string_view body) {
  return encoding == BodyEncoding::kJson ? decode_json_status(body) : decode_protobuf_status(body);
}

std::optional<core::Duration> parse_json_duration(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !all_digits(whole) || fraction.size() > 9 || !all_digits(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return std::nullopt;
  }
  std::int64_t seconds = 0;
  auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  if (error == std::errc::result_out_of_range)
    seconds = std::numeric_limits<std::int64_t>::max();
  else if (error != std::errc() || end != whole.data() + whole.size())
    return std::nullopt;
  std::int64_t nanos = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return negative ? saturating_duration(-seconds, -nanos) : saturating_duration(seconds, nanos);
}

std::optional<std::string> decode_base64(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  if (standard.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
  std::size_t padding = 0;
  for (std::size_t i = standard.size(); i > 0 && standard[i - 1] == '=' && padding < 2; --i) {
    ++padding;
  }
  // '=' other than at the end (or more than two) is malformed; EVP_DecodeBlock would accept it.
  if (standard.find('=') < standard.size() - padding) return std::nullopt;
  auto ssl = net::load_openssl();
  if (!ssl) return std::nullopt;
  std::string out(standard.size() / 4 * 3, '\0');
  const int n = (*ssl)->decode_block(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(standard.data()),
                                     static_cast<int>(standard.size()));
  if (n < 0 || static_cast<std::size_t>(n) < padding) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

core::Result<std::string> decode_grpc_response_message(std::string_view body,
                                                       std::string_view grpc_encoding,
                                                       std::size_t max_bytes) {
  if (body.empty()) return std::string();
  if (body.size() < net::kGrpcPrefixBytes) {
    return core::make_error(fmt::format("truncated gRPC message prefix ({} bytes)", body.size()));
  }
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(body[i]); };
  const std::uint8_t flag = byte(0);
  const std::uint64_t length = (std::uint64_t{byte(1)} << 24) | (std::uint64_t{byte(2)} << 16) |
                               (std::uint64_t{byte(3)} << 8) | std::uint64_t{byte(4)};
  const std::string_view message = body.substr(net::kGrpcPrefixBytes);
  if (message.size() != length) {
    return core::make_error(
        fmt::format("gRPC message announces {} bytes but {} follow", length, message.size()));
  }
  if (flag > 1) return core::make_error(fmt::format("gRPC compressed flag {}", flag));
  if (flag == 0) {
    if (message.size() > max_bytes) {
      return core::make_error(fmt::format("gRPC response exceeds {} bytes", max_bytes));
    }
    return std::string(message);
  }
  const auto codec = net::parse_grpc_encoding(grpc_encoding);
  if (!codec || *codec == net::Codec::kNone) {
    return core::make_error(fmt::format("compressed gRPC response with grpc-encoding \"{}\"",
                                        grpc_encoding.substr(0, 32)));
  }
  return net::decompress(*codec, message, max_bytes);
}

}  // namespace vigil::exporters::otlp_exporter
