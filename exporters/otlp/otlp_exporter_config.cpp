#include "exporters/otlp/otlp_exporter_config.h"

#include <algorithm>
#include <array>
#include <fstream>

#include <fmt/format.h>

#include "agent/aws/sigv4_request_signer.h"
#include "agent/config/config_reader.h"

namespace vigil::exporters::otlp_exporter {

namespace {

constexpr std::array<std::string_view, 3> kSignalEndpointKeys = {
    "metrics_endpoint", "logs_endpoint", "traces_endpoint"};  // indexed by core::Signal

// Headers the exporter writes itself: a configured one would contradict the body.
constexpr std::string_view kReservedHeaders[] = {
    "content-type", "content-encoding", "content-length", "transfer-encoding", "te",
    "host",         "connection",       "expect"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// A URL as the exporter needs it: scheme://authority, then the path, then "?query".
struct EndpointUrl {
  std::string origin;  // "http://host:4318"
  std::string path;    // "" or "/prefix"
  std::string query;   // "" or "?a=b"
};

core::Result<EndpointUrl> parse_endpoint(std::string_view url) {
  if (url.find_first_of(" \t\r\n") != std::string_view::npos ||
      std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return core::make_error("must not contain spaces or control characters");
  }
  const std::size_t scheme_end = url.find("://");
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return core::make_error("expected an http:// or https:// URL like \"http://localhost:4318\"");
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.front() == ':' || authority.find('@') != authority.npos) {
    return core::make_error("expected a host (and port) after the scheme, without user info");
  }
  if (rest.find('#') != std::string_view::npos) return core::make_error("must not have a fragment");
  EndpointUrl out;
  out.origin = scheme + "://" + std::string(authority);
  if (authority_end != std::string_view::npos) {
    const std::string_view tail = rest.substr(authority_end);
    const std::size_t query = tail.find('?');
    out.path = std::string(tail.substr(0, query));
    if (query != std::string_view::npos) out.query = std::string(tail.substr(query));
  }
  return out;
}

std::string signal_path(core::Signal signal) {
  return fmt::format("/v1/{}", core::to_string(signal));
}

// Reads an endpoint key and checks it as the protocol needs it; "" when absent.
std::string read_endpoint(config::ConfigReader& reader, std::string_view key,
                          std::string_view default_value, Protocol protocol) {
  std::string url = reader.string(key, default_value);
  if (url.empty()) return url;
  auto parsed = parse_endpoint(url);
  if (!parsed) {
    reader.error(key, parsed.error().message);
  } else if (protocol == Protocol::kGrpc && !(parsed->path.empty() || parsed->path == "/")) {
    reader.error(key, fmt::format("a gRPC endpoint is scheme://host:port (the method path \"{}\" "
                                  "is the service's); got the path \"{}\"",
                                  grpc_method_path(core::Signal::kTraces), parsed->path));
  } else if (protocol == Protocol::kGrpc && !parsed->query.empty()) {
    reader.error(key, "a gRPC endpoint takes no query");
  }
  return url;
}

void read_headers(config::ConfigReader& section, OtlpExporterConfig& config) {
  config::ConfigReader& headers = section.table("headers");
  for (const std::string& name : headers.keys()) {
    // Every value is secret: API keys and tokens are what headers are for here.
    std::string value = headers.secret_string(name, "");
    const std::string lowered = lower(name);
    if (!is_token(name)) {
      headers.key_error(name, "is not a valid HTTP header name");
    } else if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), lowered) !=
                   std::end(kReservedHeaders) ||
               lowered.starts_with("grpc-") || lowered.starts_with(":")) {
      headers.key_error(name, "is set by the exporter itself");
    } else if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      headers.error(name, "must not contain CR, LF or NUL");
    } else {
      config.headers.emplace_back(name, std::move(value));
    }
  }
}

void check_readable(config::ConfigReader& reader, std::string_view key, const std::string& path) {
  if (path.empty()) return;
  std::ifstream file(path);
  if (!file) reader.error(key, fmt::format("cannot read \"{}\"", path));
}

void read_tls(config::ConfigReader& section, OtlpExporterConfig& config) {
  config::ConfigReader& tls = section.table("tls");
  config.tls.ca_file = tls.string("ca_file", "");
  config.tls.cert_file = tls.string("cert_file", "");
  config.tls.key_file = tls.string("key_file", "");
  config.tls.insecure_skip_verify = tls.boolean("insecure_skip_verify", false);
  check_readable(tls, "ca_file", config.tls.ca_file);
  check_readable(tls, "cert_file", config.tls.cert_file);
  check_readable(tls, "key_file", config.tls.key_file);
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    tls.error(config.tls.cert_file.empty() ? "key_file" : "cert_file",
              "cert_file and key_file go together (a client certificate and its key)");
  }
}

}  // namespace

std::string_view to_string(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttpProtobuf:
      return "http/protobuf";
    case Protocol::kHttpJson:
      return "http/json";
    case Protocol::kGrpc:
      return "grpc";
  }
  return "?";
}

std::string_view grpc_method_path(core::Signal signal) {
  switch (signal) {
    case core::Signal::kTraces:
      return "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    case core::Signal::kMetrics:
      return "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    case core::Signal::kLogs:
      return "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
  }
  return "";
}

std::vector<std::string> OtlpExporterConfig::check_notes() const {
  if (auth != AuthKind::kSigV4) return {};
  return aws::describe_sigv4_signing(aws, sigv4_service);
}

std::shared_ptr<const OtlpExporterConfig> parse_otlp_exporter_config(config::ConfigReader& reader) {
  auto config = std::make_shared<OtlpExporterConfig>();
  const std::string protocol =
      reader.one_of("protocol", "http/protobuf", {"http/protobuf", "http/json", "grpc"});
  config->protocol = protocol == "grpc"        ? Protocol::kGrpc
                     : protocol == "http/json" ? Protocol::kHttpJson
                                               : Protocol::kHttpProtobuf;
  const std::string_view default_endpoint =
      config->protocol == Protocol::kGrpc ? kDefaultGrpcEndpoint : kDefaultHttpEndpoint;
  config->endpoint = read_endpoint(reader, "endpoint", default_endpoint, config->protocol);
  if (config->endpoint.empty()) config->endpoint = std::string(default_endpoint);
  for (core::Signal signal : core::kAllSignals) {
    const auto index = static_cast<std::size_t>(signal);
    config->signal_endpoints[index] =
        read_endpoint(reader, kSignalEndpointKeys[index], "", config->protocol);
  }
  const std::string compression = reader.one_of("compression", "gzip", {"gzip", "zstd", "none"});
  config->compression = net::parse_codec(compression).value_or(net::Codec::kGzip);
  const int max_level = config->compression == net::Codec::kZstd ? 19 : 9;
  config->compression_level =
      static_cast<int>(reader.integer("compression_level", 0, 0, max_level));
  read_headers(reader, *config);
  config->timeout = reader.duration("timeout", config->timeout, std::chrono::milliseconds(1),
                                    std::chrono::hours(1));
  read_tls(reader, *config);
  config->max_request_size =
      reader.size("max_request_size", kDefaultMaxRequestSize, kMinRequestSize, kMaxRequestSize);
  const std::string auth = reader.one_of("auth", "none", {"none", "sigv4"});
  if (auth == "sigv4") {
    config->auth = AuthKind::kSigV4;
    config->aws = aws::parse_aws_auth_config(reader);
    config->sigv4_service = reader.required_string("service");
    for (const auto& [name, value] : config->headers) {
      const std::string lowered = lower(name);
      if (lowered == "authorization" || lowered.starts_with("x-amz-")) {
        reader.table("headers").key_error(name, "is set by the SigV4 signature (auth = \"sigv4\")");
      }
    }
  }
  return config;
}

std::string signal_url(const OtlpExporterConfig& config, core::Signal signal) {
  const std::string& own = config.signal_endpoints[static_cast<std::size_t>(signal)];
  const bool grpc = config.protocol == Protocol::kGrpc;
  if (!own.empty() && !grpc) return own;
  auto parsed = parse_endpoint(own.empty() ? config.endpoint : own);
  if (!parsed) return own.empty() ? config.endpoint : own;  // rejected by the parser already
  if (grpc) return parsed->origin + std::string(grpc_method_path(signal));
  std::string path = parsed->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return parsed->origin + path + signal_path(signal) + parsed->query;
}

}  // namespace vigil::exporters::otlp_exporter
