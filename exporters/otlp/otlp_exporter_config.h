#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/app/component.h"
#include "agent/aws/aws_auth_config.h"
#include "agent/core/clock.h"
#include "agent/core/signal.h"
#include "agent/net/compression.h"
#include "agent/net/http_client.h"

namespace vigil::exporters::otlp_exporter {

enum class Protocol : std::uint8_t { kHttpProtobuf, kHttpJson, kGrpc };

std::string_view to_string(Protocol protocol);  // "http/protobuf", "http/json", "grpc"

enum class AuthKind : std::uint8_t { kNone, kSigV4 };

inline constexpr std::string_view kDefaultHttpEndpoint = "http://localhost:4318";
inline constexpr std::string_view kDefaultGrpcEndpoint = "http://localhost:4317";
// Below this a body is sent uncompressed: compression would save a few bytes at best and the
// server's decompressor costs more than it saves.
inline constexpr std::size_t kCompressionThreshold = 1024;
// gRPC servers' default message limit is 4 MiB (PROTOCOLS.md 2.1); HTTP servers take 20 MiB.
inline constexpr std::uint64_t kDefaultMaxRequestSize = 4 * 1024 * 1024;
inline constexpr std::uint64_t kMinRequestSize = 1024;
inline constexpr std::uint64_t kMaxRequestSize = 1024ull * 1024 * 1024;

// [[exporters.otlp]]: the kind's own keys (the common ones are in app::ExporterSpec).
struct OtlpExporterConfig final : app::ComponentConfig {
  Protocol protocol = Protocol::kHttpProtobuf;
  // Base URL; "/v1/<signal>" is appended to its path for HTTP (as the OTel SDKs do with
  // OTEL_EXPORTER_OTLP_ENDPOINT); for gRPC the service's method path replaces it.
  std::string endpoint;
  // Per-signal URLs used verbatim (HTTP); for gRPC, a scheme://host:port per signal. "" = from
  // `endpoint`. Indexed by core::Signal.
  std::string signal_endpoints[3];
  net::Codec compression = net::Codec::kGzip;
  // 0 = the library's default (gzip 6, zstd 3); gzip 1..9, zstd 1..19. Lower is cheaper in CPU
  // and larger on the wire (tests/bench/README.md, "OTLP export").
  int compression_level = 0;
  // Sent with every request, after ${ENV} substitution; redacted by `vigil check`.
  std::vector<std::pair<std::string, std::string>> headers;
  core::Duration timeout = std::chrono::seconds(10);
  net::TlsOptions tls;
  // Serialized export request bytes per request (before compression; for http/json, the JSON).
  std::uint64_t max_request_size = kDefaultMaxRequestSize;
  AuthKind auth = AuthKind::kNone;
  // auth = "sigv4": the AWS keys every AWS-authenticated exporter has (region, credentials,
  // profile, role) and the service the signature is for (e.g. "xray").
  aws::AwsAuthConfig aws;
  std::string sigv4_service;

  // `vigil check`: with sigv4, where the credentials and the region will come from.
  std::vector<std::string> check_notes() const override;
};

// Reads the keys above; bad values are reported to the reader (file:line:col and key).
std::shared_ptr<const OtlpExporterConfig> parse_otlp_exporter_config(config::ConfigReader& reader);

// The URL a request of `signal` goes to under `config`.
std::string signal_url(const OtlpExporterConfig& config, core::Signal signal);

// The gRPC method path of the signal's Export call
// ("/opentelemetry.proto.collector.trace.v1.TraceService/Export").
std::string_view grpc_method_path(core::Signal signal);

}  // namespace vigil::exporters::otlp_exporter
