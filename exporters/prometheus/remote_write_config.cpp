#include "exporters/prometheus/remote_write_config.h"

#include <algorithm>
#include <array>
#include <fstream>

#include <fmt/format.h>

#include "agent/aws/sigv4_request_signer.h"
#include "agent/config/config_reader.h"
#include "exporters/prometheus/prometheus_names.h"

namespace vigil::exporters::prometheus {

namespace {

// Set by the exporter (the remote-write spec forbids overriding the first four) or by libcurl.
constexpr std::array<std::string_view, 9> kReservedHeaders = {"content-encoding",
                                                              "content-type",
                                                              "x-prometheus-remote-write-version",
                                                              "user-agent",
                                                              "content-length",
                                                              "transfer-encoding",
                                                              "host",
                                                              "connection",
                                                              "expect"};

// Header values redacted by `vigil check` even when written in the file (values from ${VAR} are
// redacted anyway).
constexpr std::array<std::string_view, 6> kSecretHeaders = {
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "cookie"};

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

// RFC 9110 token characters.
bool is_header_name(std::string_view name) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kExtra.find(c) != std::string_view::npos;
  });
}

void read_url(config::ConfigReader& reader, RemoteWriteConfig& config) {
  config.url = reader.required_string("url");
  if (config.url.empty()) return;
  const std::string lowered = ascii_lower(config.url);
  const bool http = lowered.starts_with("http://") || lowered.starts_with("https://");
  const std::size_t host = config.url.find("://") + 3;
  if (!http || host >= config.url.size() || config.url[host] == '/' || config.url[host] == ':') {
    reader.error("url",
                 "expected an http:// or https:// URL like "
                 "\"http://prometheus:9090/api/v1/write\"");
  } else if (config.url.find_first_of(" \t\r\n#") != std::string::npos) {
    reader.error("url", "must not contain spaces, line breaks or a fragment");
  }
}

bool is_secret_header(std::string_view lowered) {
  return std::find(kSecretHeaders.begin(), kSecretHeaders.end(), lowered) != kSecretHeaders.end();
}

void read_headers(config::ConfigReader& reader, RemoteWriteConfig& config) {
  config::ConfigReader& table = reader.table("headers");
  for (const std::string& name : table.keys()) {
    const std::string lowered = ascii_lower(name);
    std::string value =
        is_secret_header(lowered) ? table.secret_string(name, "") : table.string(name, "");
    if (!is_header_name(name)) {
      table.key_error(name, "is not a valid HTTP header name");
    } else if (std::find(kReservedHeaders.begin(), kReservedHeaders.end(), lowered) !=
               kReservedHeaders.end()) {
      table.key_error(name, "is set by the exporter (remote write's reserved headers)");
    } else if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      table.error(name, "must not contain CR, LF or NUL");
    } else {
      config.headers.emplace_back(name, std::move(value));
    }
  }
}

void read_tls(config::ConfigReader& reader, net::TlsOptions& tls) {
  config::ConfigReader& table = reader.table("tls");
  const std::array<std::pair<std::string_view, std::string*>, 3> files = {
      std::pair{std::string_view("ca_file"), &tls.ca_file},
      std::pair{std::string_view("cert_file"), &tls.cert_file},
      std::pair{std::string_view("key_file"), &tls.key_file}};
  for (const auto& [key, path] : files) {
    *path = table.string(key, "");
    if (!path->empty() && !std::ifstream(*path)) {
      table.error(key, fmt::format("cannot open \"{}\" for reading", *path));
    }
  }
  tls.insecure_skip_verify = table.boolean("insecure_skip_verify", false);
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    table.error(tls.cert_file.empty() ? "key_file" : "cert_file",
                "a client certificate needs both cert_file and key_file");
  }
}

void read_external_labels(config::ConfigReader& reader, RemoteWriteConfig& config) {
  config::ConfigReader& table = reader.table("external_labels");
  for (const std::string& name : table.keys()) {
    std::string value = table.string(name, "");
    if (!is_valid_label_name(name) || name.starts_with("__")) {
      table.key_error(name,
                      "is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not "
                      "starting with \"__\")");
    } else if (value.empty()) {
      table.error(name, "must not be empty (Prometheus drops empty labels)");
    } else {
      config.external_labels.emplace_back(name, std::move(value));
    }
  }
}

void read_auth(config::ConfigReader& reader, RemoteWriteConfig& config) {
  config.sigv4 = reader.one_of("auth", "none", {"none", "sigv4"}) == "sigv4";
  if (!config.sigv4) {
    // Said plainly rather than as unknown keys.
    for (std::string_view key :
         {"region", "access_key_id", "secret_access_key", "session_token", "profile", "role_arn",
          "role_session_name", "external_id", "imds_endpoint", "sts_endpoint", "service"}) {
      if (!reader.has(key)) continue;
      reader.mark_read(key);
      reader.error(key, "is only used with auth = \"sigv4\"");
    }
    return;
  }
  config.aws = aws::parse_aws_auth_config(reader);
  config.sigv4_service = reader.string("service", kDefaultSigV4Service);
  if (config.sigv4_service.empty()) reader.error("service", "must not be empty");
  for (const auto& [name, value] : config.headers) {
    const std::string lowered = ascii_lower(name);
    if (lowered == "authorization" || lowered.starts_with("x-amz-")) {
      reader.table("headers").key_error(name, "is set by the SigV4 signature (auth = \"sigv4\")");
    }
  }
}

}  // namespace

std::vector<std::string> RemoteWriteConfig::check_notes() const {
  if (!sigv4) return {};
  return aws::describe_sigv4_signing(aws, sigv4_service);
}

std::shared_ptr<const RemoteWriteConfig> parse_remote_write_config(config::ConfigReader& reader) {
  auto config = std::make_shared<RemoteWriteConfig>();
  read_url(reader, *config);
  read_headers(reader, *config);
  read_tls(reader, config->tls);
  config->timeout = reader.duration("timeout", config->timeout, std::chrono::milliseconds(10),
                                    std::chrono::minutes(10));
  config->max_samples_per_send = static_cast<std::size_t>(
      reader.integer("max_samples_per_send", kDefaultMaxSamplesPerSend, 1, 1'000'000));
  read_external_labels(reader, *config);
  config->node_exporter_names = reader.boolean("node_exporter_names", true);
  config->target_info = reader.boolean("target_info", true);
  config->scope_labels = reader.boolean("scope_labels", true);
  config->delta_state_ttl = reader.duration("delta_state_ttl", config->delta_state_ttl,
                                            std::chrono::seconds(1), std::chrono::hours(24 * 7));
  config->max_delta_series =
      static_cast<std::size_t>(reader.integer("max_delta_series", 100'000, 0, 100'000'000));
  read_auth(reader, *config);
  // Batches go out one at a time, so every series reaches the receiver in timestamp order.
  if (reader.has("concurrency") && reader.integer("concurrency", 1, INT64_MIN, INT64_MAX) != 1) {
    reader.error("concurrency",
                 "must be 1 for prometheus_remote_write: batches are sent one after the other so "
                 "that every series reaches the receiver in timestamp order");
  }
  return config;
}

}  // namespace vigil::exporters::prometheus
