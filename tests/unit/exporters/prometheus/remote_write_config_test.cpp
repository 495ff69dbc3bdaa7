// [[exporters.prometheus_remote_write]] through the real config loader: defaults, every key,
// and errors that name file:line:col and key.

#include "exporters/prometheus/remote_write_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/components.h"
#include "agent/config/config_loader.h"

namespace vigil::exporters::prometheus {
namespace {

using ::testing::HasSubstr;

core::Result<config::LoadedConfig> load(std::string_view text) {
  config::LoadOptions options;
  options.system_hostname = "test-host";
  return config::load_config_text(text, "agent.toml", builtin_components(), options);
}

std::shared_ptr<const RemoteWriteConfig> remote_write_of(const config::LoadedConfig& loaded) {
  for (const auto& e : loaded.exporters) {
    if (e.identity.kind == "prometheus_remote_write") {
      return std::dynamic_pointer_cast<const RemoteWriteConfig>(e.config);
    }
  }
  return nullptr;
}

std::string errors_of(std::string_view text) {
  auto loaded = load(text);
  EXPECT_FALSE(loaded.has_value());
  return loaded ? std::string() : loaded.error().message;
}

TEST(RemoteWriteConfig, Defaults) {
  auto loaded = load("[exporters.prometheus_remote_write]\nurl = \"http://p:9090/api/v1/write\"\n");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  auto config = remote_write_of(*loaded);
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->url, "http://p:9090/api/v1/write");
  EXPECT_EQ(config->timeout, std::chrono::seconds(30));
  EXPECT_EQ(config->max_samples_per_send, 2000u);
  EXPECT_TRUE(config->headers.empty());
  EXPECT_TRUE(config->external_labels.empty());
  EXPECT_TRUE(config->node_exporter_names);
  EXPECT_TRUE(config->target_info);
  EXPECT_TRUE(config->scope_labels);
  EXPECT_EQ(config->delta_state_ttl, std::chrono::minutes(10));
  EXPECT_EQ(config->max_delta_series, 100000u);
  EXPECT_FALSE(config->sigv4);
  EXPECT_TRUE(config->check_notes().empty());
  const auto& spec = loaded->exporters.at(0);
  EXPECT_TRUE(spec.signals.contains(core::Signal::kMetrics));
  EXPECT_FALSE(spec.signals.contains(core::Signal::kLogs));
}

TEST(RemoteWriteConfig, EveryKey) {
  auto loaded = load(R"([[exporters.prometheus_remote_write]]
name = "amp"
url = "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
timeout = "5s"
max_samples_per_send = 500
node_exporter_names = false
target_info = false
scope_labels = false
delta_state_ttl = "1m"
max_delta_series = 10
auth = "sigv4"
region = "eu-west-1"
[exporters.prometheus_remote_write.headers]
"X-Scope-OrgID" = "t1"
[exporters.prometheus_remote_write.external_labels]
cluster = "eu-1"
replica = "a"
[exporters.prometheus_remote_write.tls]
insecure_skip_verify = true
)");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  auto config = remote_write_of(*loaded);
  EXPECT_EQ(config->timeout, std::chrono::seconds(5));
  EXPECT_EQ(config->max_samples_per_send, 500u);
  EXPECT_FALSE(config->node_exporter_names);
  EXPECT_FALSE(config->target_info);
  EXPECT_FALSE(config->scope_labels);
  EXPECT_EQ(config->delta_state_ttl, std::chrono::minutes(1));
  EXPECT_EQ(config->max_delta_series, 10u);
  EXPECT_TRUE(config->sigv4);
  EXPECT_EQ(config->aws.region, "eu-west-1");
  EXPECT_EQ(config->sigv4_service, "aps");
  // `vigil check` says where the credentials come from and where it signs.
  const auto notes = config->check_notes();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_TRUE(notes[0].starts_with("AWS credentials: ")) << notes[0];
  EXPECT_TRUE(notes[1].starts_with("signing for aps in eu-west-1 (region from ")) << notes[1];
  ASSERT_EQ(config->headers.size(), 1u);
  EXPECT_EQ(config->headers[0].first, "X-Scope-OrgID");
  ASSERT_EQ(config->external_labels.size(), 2u);
  EXPECT_EQ(config->external_labels[0], (std::pair<std::string, std::string>{"cluster", "eu-1"}));
  EXPECT_TRUE(config->tls.insecure_skip_verify);
}

TEST(RemoteWriteConfig, Errors) {
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\n"),
              HasSubstr("exporters.prometheus_remote_write.url: missing required key"));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"ftp://x\"\n"),
              HasSubstr("agent.toml:2:7: exporters.prometheus_remote_write.url: expected an "
                        "http:// or https:// URL"));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                        "max_samples_per_send = 0\n"),
              HasSubstr("agent.toml:3:24: exporters.prometheus_remote_write.max_samples_per_send"));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                        "[exporters.prometheus_remote_write.headers]\n"
                        "Content-Encoding = \"gzip\"\n"),
              HasSubstr("agent.toml:4:1: exporters.prometheus_remote_write.headers."
                        "Content-Encoding: is set by the exporter"));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                        "[exporters.prometheus_remote_write.external_labels]\n"
                        "__name__ = \"x\"\n\"bad-name\" = \"y\"\nempty = \"\"\n"),
              ::testing::AllOf(HasSubstr("external_labels.__name__: is not a valid"),
                               HasSubstr("external_labels.bad-name: is not a valid"),
                               HasSubstr("external_labels.empty: must not be empty")));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                        "region = \"us-east-1\"\n"),
              HasSubstr("agent.toml:3:10: exporters.prometheus_remote_write.region: is only used "
                        "with auth = \"sigv4\""));
  EXPECT_THAT(
      errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\nauth = \"sigv4\"\n"
                "[exporters.prometheus_remote_write.headers]\nAuthorization = \"x\"\n"),
      HasSubstr("headers.Authorization: is set by the SigV4 signature"));
  EXPECT_THAT(
      errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                "concurrency = 4\n"),
      HasSubstr("agent.toml:3:15: exporters.prometheus_remote_write.concurrency: must be 1"));
  EXPECT_THAT(errors_of("[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
                        "signals = [\"logs\"]\n"),
              HasSubstr("cannot export logs"));
}

TEST(RemoteWriteConfig, SecretHeadersAreRedacted) {
  auto loaded = load(
      "[exporters.prometheus_remote_write]\nurl = \"http://x\"\n"
      "[exporters.prometheus_remote_write.headers]\n"
      "Authorization = \"Bearer s3cret\"\n\"X-Scope-OrgID\" = \"tenant\"\n");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_THAT(loaded->effective_toml, ::testing::Not(HasSubstr("s3cret")));
  EXPECT_THAT(loaded->effective_toml, HasSubstr("tenant"));
}

}  // namespace
}  // namespace vigil::exporters::prometheus
