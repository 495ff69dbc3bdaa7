#include "exporters/otlp/otlp_exporter_config.h"

#include <sstream>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "agent/config/config_reader.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace std::chrono_literals;

struct Parsed {
  std::shared_ptr<const OtlpExporterConfig> config;
  std::vector<std::string> errors;
  std::string effective;
};

Parsed parse(std::string_view text) {
  auto table = toml::parse(text);
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  config::ConfigReader reader(context, &table, "exporters.otlp[0]");
  Parsed out;
  out.config = parse_otlp_exporter_config(reader);
  reader.finish();
  out.errors = diagnostics.errors();
  std::ostringstream effective;
  effective << reader.effective();
  out.effective = effective.str();
  return out;
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += e + "\n";
  return out;
}

TEST(OtlpExporterConfig, Defaults) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed.errors.empty()) << joined(parsed.errors);
  const auto& c = *parsed.config;
  EXPECT_EQ(c.protocol, Protocol::kHttpProtobuf);
  EXPECT_EQ(c.endpoint, "http://localhost:4318");
  EXPECT_EQ(c.compression, net::Codec::kGzip);
  EXPECT_EQ(c.timeout, 10s);
  EXPECT_EQ(c.max_request_size, 4u << 20);
  EXPECT_TRUE(c.headers.empty());
  EXPECT_EQ(c.auth, AuthKind::kNone);
  EXPECT_EQ(signal_url(c, core::Signal::kTraces), "http://localhost:4318/v1/traces");
  EXPECT_EQ(signal_url(c, core::Signal::kMetrics), "http://localhost:4318/v1/metrics");
  EXPECT_EQ(signal_url(c, core::Signal::kLogs), "http://localhost:4318/v1/logs");
  EXPECT_EQ(signal_url(*parse(R"(protocol = "grpc")").config, core::Signal::kLogs),
            "http://localhost:4317/opentelemetry.proto.collector.logs.v1.LogsService/Export");
}

TEST(OtlpExporterConfig, EveryKey) {
  auto parsed = parse(R"(
endpoint = "https://otlp.example.com:443/otlp/"
traces_endpoint = "https://traces.example.com/api/v2/otlp?tenant=a"
protocol = "http/json"
compression = "zstd"
compression_level = 19
timeout = "2500ms"
max_request_size = "1MiB"
[headers]
"X-Api-Key" = "s3cret"
"dd-protocol" = "otlp"
[tls]
ca_file = "/etc/hostname"
insecure_skip_verify = true
)");
  ASSERT_TRUE(parsed.errors.empty()) << joined(parsed.errors);
  const auto& c = *parsed.config;
  EXPECT_EQ(c.protocol, Protocol::kHttpJson);
  EXPECT_EQ(c.compression, net::Codec::kZstd);
  EXPECT_EQ(c.compression_level, 19);
  EXPECT_EQ(c.timeout, 2500ms);
  EXPECT_EQ(c.max_request_size, 1u << 20);
  EXPECT_EQ(c.tls.ca_file, "/etc/hostname");
  EXPECT_TRUE(c.tls.insecure_skip_verify);
  ASSERT_EQ(c.headers.size(), 2u);
  EXPECT_EQ(c.headers[0], (std::pair<std::string, std::string>{"X-Api-Key", "s3cret"}));
  // Per-signal endpoints verbatim; the others get /v1/<signal> after the base path.
  EXPECT_EQ(signal_url(c, core::Signal::kTraces),
            "https://traces.example.com/api/v2/otlp?tenant=a");
  EXPECT_EQ(signal_url(c, core::Signal::kLogs), "https://otlp.example.com:443/otlp/v1/logs");
  // Header values are secrets.
  EXPECT_EQ(parsed.effective.find("s3cret"), std::string::npos) << parsed.effective;
  EXPECT_EQ(parsed.effective.find("\"otlp\""), std::string::npos) << parsed.effective;
  EXPECT_NE(parsed.effective.find("<redacted>"), std::string::npos) << parsed.effective;
}

TEST(OtlpExporterConfig, GrpcEndpointsAreOrigins) {
  auto parsed = parse(R"(
protocol = "grpc"
endpoint = "http://collector:4317"
logs_endpoint = "https://logs.example.com"
)");
  ASSERT_TRUE(parsed.errors.empty()) << joined(parsed.errors);
  EXPECT_EQ(signal_url(*parsed.config, core::Signal::kTraces),
            "http://collector:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  EXPECT_EQ(signal_url(*parsed.config, core::Signal::kLogs),
            "https://logs.example.com/opentelemetry.proto.collector.logs.v1.LogsService/Export");
  parsed = parse(R"(
protocol = "grpc"
endpoint = "http://collector:4317/v1/traces"
)");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_NE(parsed.errors[0].find("exporters.otlp[0].endpoint: a gRPC endpoint is"),
            std::string::npos)
      << parsed.errors[0];
}

TEST(OtlpExporterConfig, ErrorsNameTheKey) {
  auto parsed = parse(R"(
endpoint = "localhost:4318"
protocol = "grpc+json"
compression = "brotli"
compression_level = 10
timeout = 10
max_request_size = "10"
metrics_endpoint = "ftp://x"
[headers]
"Content-Type" = "text/plain"
"bad header" = "x"
"grpc-timeout" = "1S"
"X-Number" = 5
[tls]
cert_file = "/etc/hostname"
ca_file = "/nonexistent/ca.pem"
)");
  const std::string all = joined(parsed.errors);
  for (const char* expected : {
           "agent.toml:2:12: exporters.otlp[0].endpoint: expected an http:// or https:// URL",
           "exporters.otlp[0].protocol:",
           "exporters.otlp[0].compression:",
           "exporters.otlp[0].compression_level:",
           "exporters.otlp[0].timeout:",
           "exporters.otlp[0].max_request_size:",
           "exporters.otlp[0].metrics_endpoint: expected an http:// or https:// URL",
           "exporters.otlp[0].headers.Content-Type: is set by the exporter itself",
           "exporters.otlp[0].headers.\"bad header\": is not a valid HTTP header name",
           "exporters.otlp[0].headers.grpc-timeout: is set by the exporter itself",
           "exporters.otlp[0].headers.X-Number:",
           "exporters.otlp[0].tls.cert_file: cert_file and key_file go together",
           "exporters.otlp[0].tls.ca_file: cannot read \"/nonexistent/ca.pem\"",
       }) {
    EXPECT_NE(all.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << all;
  }
  EXPECT_EQ(all.find("\"5\""), std::string::npos);  // a secret's value is not echoed
}

TEST(OtlpExporterConfig, SigV4) {
  auto parsed = parse(R"(
auth = "sigv4"
service = "xray"
region = "eu-west-1"
endpoint = "https://xray.eu-west-1.amazonaws.com"
)");
  ASSERT_TRUE(parsed.errors.empty()) << joined(parsed.errors);
  EXPECT_EQ(parsed.config->auth, AuthKind::kSigV4);
  EXPECT_EQ(parsed.config->sigv4_service, "xray");
  EXPECT_EQ(parsed.config->aws.region, "eu-west-1");

  parsed = parse(R"(
auth = "sigv4"
[headers]
Authorization = "Bearer x"
)");
  const std::string all = joined(parsed.errors);
  EXPECT_NE(all.find("exporters.otlp[0].service: missing required key"), std::string::npos) << all;
  EXPECT_NE(all.find("headers.Authorization: is set by the SigV4 signature"), std::string::npos)
      << all;
  // Without sigv4 the AWS keys are unknown.
  parsed = parse(R"(region = "eu-west-1")");
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_NE(parsed.errors[0].find("unknown key"), std::string::npos) << parsed.errors[0];
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
