#include "agent/config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/unit/agent/config/test_registry.h"

namespace vigil::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kDataDir = VIGIL_TEST_DATA_DIR "/config";

LoadOptions options_with(std::map<std::string, std::string> vars) {
  LoadOptions options;
  options.system_hostname = "test-host";
  options.env = [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

core::SignalSet signal_set(std::initializer_list<core::Signal> signals) {
  core::SignalSet set;
  for (auto s : signals) set.add(s);
  return set;
}

template <typename T>
const T& config_of(const std::shared_ptr<const app::ComponentConfig>& config) {
  const T* typed = dynamic_cast<const T*>(config.get());
  EXPECT_NE(typed, nullptr);
  return *typed;
}

TEST(LoadConfig, MinimalConfigFillsEveryDefault) {
  const auto registry = test::test_registry();
  auto loaded = load_config_text("[exporters.stdout]\n", "agent.toml", registry, options_with({}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->agent.hostname, "test-host");
  EXPECT_EQ(loaded->agent.data_dir, "/var/lib/vigil");
  EXPECT_EQ(loaded->agent.log_level, "info");
  EXPECT_EQ(loaded->agent.log_format, "text");
  EXPECT_EQ(loaded->agent.shutdown_timeout, std::chrono::seconds(30));
  EXPECT_THAT(loaded->agent.resource, IsEmpty());
  EXPECT_TRUE(loaded->agent.api.enabled);
  EXPECT_EQ(loaded->agent.api.listen, "127.0.0.1:8686");
  EXPECT_EQ(loaded->buffer.type, "memory");
  EXPECT_EQ(loaded->buffer.max_memory, 64ull << 20);
  EXPECT_EQ(loaded->buffer.max_disk, 1ull << 30);
  EXPECT_EQ(loaded->buffer.when_full, core::WhenFull::kBlock);
  EXPECT_THAT(loaded->collectors, IsEmpty());
  ASSERT_EQ(loaded->exporters.size(), 1u);
  const auto& e = loaded->exporters[0];
  EXPECT_EQ(e.identity.kind, "stdout");
  EXPECT_EQ(e.identity.name, "stdout");
  EXPECT_EQ(e.identity.id, "stdout");
  EXPECT_EQ(e.identity.key_path, "exporters.stdout");
  EXPECT_EQ(e.signals, core::SignalSet::all());
  EXPECT_THAT(e.from, IsEmpty());
  EXPECT_EQ(e.buffer.max_memory, 64ull << 20);
  EXPECT_TRUE(e.retry.enabled);
  EXPECT_EQ(e.retry.initial_interval, std::chrono::seconds(1));
  EXPECT_EQ(e.retry.max_interval, std::chrono::seconds(30));
  EXPECT_EQ(e.retry.multiplier, 2.0);
  EXPECT_EQ(e.retry.max_elapsed_time, core::Duration::zero());
  EXPECT_EQ(e.concurrency, 1u);
  EXPECT_EQ(config_of<test::StdoutConfig>(e.config).stream, "stdout");
}

TEST(LoadConfig, EffectiveConfigOfTheMinimalFileListsEveryKeyInForce) {
  const auto registry = test::test_registry();
  auto loaded = load_config_text("[exporters.stdout]\n", "agent.toml", registry, options_with({}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->effective_toml,
            R"([agent]
data_dir = "/var/lib/vigil"
hostname = "test-host"
log_format = "text"
log_level = "info"
shutdown_timeout = "30s"

[agent.api]
enabled = true
listen = "127.0.0.1:8686"

[agent.resource]

[buffer]
max_disk = "1GiB"
max_memory = "64MiB"
type = "memory"
when_full = "block"

[collectors]

[exporters.stdout]
concurrency = 1
from = []
name = "stdout"
signals = [ "metrics", "logs", "traces" ]
stream = "stdout"

[exporters.stdout.buffer]
max_disk = "1GiB"
max_memory = "64MiB"
type = "memory"
when_full = "block"

[exporters.stdout.retry]
enabled = true
initial_interval = "1s"
max_elapsed_time = "0s"
max_interval = "30s"
multiplier = 2.0
)");
  // The printed configuration is itself a valid configuration that loads to the same values.
  auto again =
      load_config_text(loaded->effective_toml, "effective.toml", registry, options_with({}));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->effective_toml, loaded->effective_toml);
}

TEST(LoadConfig, FullFileWithBothComponentForms) {
  const auto registry = test::test_registry();
  const std::string path = kDataDir + "/full.toml";
  auto loaded = load_config_file(
      path, registry,
      options_with({{"OTLP_ENDPOINT", "https://otlp.example.com:4318"}, {"API_KEY_SUFFIX", "s3"}}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;

  const auto& agent = loaded->agent;
  EXPECT_EQ(agent.hostname, "web-1");
  EXPECT_EQ(agent.data_dir, "/srv/vigil");
  EXPECT_EQ(agent.log_level, "debug");
  EXPECT_EQ(agent.log_format, "json");
  EXPECT_EQ(agent.shutdown_timeout, std::chrono::seconds(90));
  EXPECT_EQ(agent.resource, (std::map<std::string, std::string>{
                                {"deployment.environment", "staging"}, {"team", "sre"}}));
  EXPECT_FALSE(agent.api.enabled);
  EXPECT_EQ(agent.api.listen, "0.0.0.0:9000");
  EXPECT_EQ(loaded->buffer.max_memory, 128ull << 20);
  EXPECT_EQ(loaded->buffer.when_full, core::WhenFull::kDropOldest);

  ASSERT_EQ(loaded->collectors.size(), 4u);
  EXPECT_EQ(loaded->collectors[0].identity.id, "host");
  EXPECT_EQ(loaded->collectors[1].identity.id, "tail/app");
  EXPECT_EQ(loaded->collectors[1].identity.key_path, "collectors.tail[0]");
  EXPECT_EQ(loaded->collectors[2].identity.id, "tail/nginx");
  EXPECT_EQ(loaded->collectors[3].identity.id, "otlp");
  const auto& host = config_of<test::HostConfig>(loaded->collectors[0].config);
  EXPECT_EQ(host.interval, std::chrono::seconds(15));
  EXPECT_THAT(host.scrapers, ElementsAre("cpu", "disk"));
  const auto& app_tail = config_of<test::TailConfig>(loaded->collectors[1].config);
  EXPECT_EQ(app_tail.path, "/var/log/app/*.log");
  EXPECT_EQ(app_tail.start_at, "beginning");
  EXPECT_EQ(config_of<test::TailConfig>(loaded->collectors[2].config).start_at, "end");
  const auto& receiver = config_of<test::OtlpReceiverConfig>(loaded->collectors[3].config);
  EXPECT_EQ(receiver.grpc_listen, ":4317");
  EXPECT_EQ(receiver.max_request_size, 8ull << 20);
  EXPECT_EQ(receiver.token, "receiver-token-123");

  ASSERT_EQ(loaded->exporters.size(), 4u);
  const auto& primary = loaded->exporters[0];
  EXPECT_EQ(primary.identity.id, "otlp/primary");
  EXPECT_EQ(primary.identity.key_path, "exporters.otlp[0]");
  EXPECT_EQ(primary.signals, signal_set({core::Signal::kLogs, core::Signal::kTraces}));
  EXPECT_THAT(primary.from, ElementsAre("otlp", "tail/app"));
  EXPECT_EQ(primary.concurrency, 4u);
  // The exporter's buffer starts from [buffer] and overrides one key.
  EXPECT_EQ(primary.buffer.max_memory, 1u << 20);
  EXPECT_EQ(primary.buffer.when_full, core::WhenFull::kDropOldest);
  EXPECT_EQ(primary.retry.initial_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(primary.retry.max_interval, std::chrono::minutes(1));
  EXPECT_EQ(primary.retry.multiplier, 1.5);
  EXPECT_EQ(primary.retry.max_elapsed_time, std::chrono::hours(1));
  const auto& primary_config = config_of<test::OtlpExporterConfig>(primary.config);
  EXPECT_EQ(primary_config.endpoint, "https://otlp.example.com:4318");
  EXPECT_EQ(primary_config.api_key, "key-s3");
  EXPECT_EQ(primary_config.timeout, std::chrono::seconds(30));
  EXPECT_EQ(primary_config.headers.at("Authorization"), "Bearer file-token-456");
  EXPECT_EQ(primary_config.compression, "gzip");

  const auto& backup = loaded->exporters[1];
  EXPECT_EQ(backup.identity.id, "otlp/backup");
  EXPECT_EQ(backup.signals, core::SignalSet::all());
  EXPECT_EQ(backup.buffer.max_memory, 128ull << 20);
  EXPECT_EQ(config_of<test::OtlpExporterConfig>(backup.config).compression, "zstd");

  const auto& prometheus = loaded->exporters[2];
  EXPECT_EQ(prometheus.identity.id, "prometheus");
  EXPECT_EQ(prometheus.signals, signal_set({core::Signal::kMetrics}));
  EXPECT_THAT(prometheus.from, ElementsAre("host"));

  EXPECT_EQ(loaded->exporters[3].identity.id, "stdout");
  EXPECT_FALSE(loaded->exporters[3].retry.enabled);

  EXPECT_EQ(loaded->locations.at("agent.api.listen"), path + ":15:10");
  EXPECT_EQ(loaded->locations.at("exporters.otlp[0].endpoint"), path + ":42:12");
  EXPECT_EQ(loaded->locations.at("collectors.otlp.grpc_listen"), path + ":35:15");
  EXPECT_EQ(loaded->locations.count("collectors.otlp.auth.token"), 1u);
}

TEST(LoadConfig, EffectiveConfigRedactsEnvironmentValuesAndSecrets) {
  const auto registry = test::test_registry();
  auto loaded = load_config_file(kDataDir + "/full.toml", registry,
                                 options_with({{"OTLP_ENDPOINT", "https://otlp.example.com:4318"},
                                               {"API_KEY_SUFFIX", "s3"},
                                               {"DEPLOY_ENV", "production-eu"}}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const std::string& text = loaded->effective_toml;
  for (const char* secret :
       {"otlp.example.com", "key-s3", "production-eu", "file-token-456", "receiver-token-123"}) {
    EXPECT_THAT(text, Not(HasSubstr(secret))) << text;
  }
  EXPECT_THAT(text, HasSubstr("endpoint = \"<redacted>\""));
  EXPECT_THAT(text, HasSubstr("api_key = \"<redacted>\""));
  EXPECT_THAT(text, HasSubstr("\"deployment.environment\" = \"<redacted>\""));
  EXPECT_THAT(text, HasSubstr("Authorization = \"<redacted>\""));
  EXPECT_THAT(text, HasSubstr("token = \"<redacted>\""));
  // Plain values from the file stay visible, with durations and sizes normalised.
  EXPECT_THAT(text, HasSubstr("X-Scope = \"tenant-a\""));
  EXPECT_THAT(text, HasSubstr("endpoint = \"https://backup.example.com:4318\""));
  EXPECT_THAT(text, HasSubstr("max_request_size = \"8MiB\""));
  EXPECT_THAT(text, HasSubstr("shutdown_timeout = \"1m30s\""));
  EXPECT_THAT(text, HasSubstr("[[exporters.otlp]]"));
  // Values themselves are intact: only the printed form is redacted.
  EXPECT_EQ(loaded->agent.resource.at("deployment.environment"), "production-eu");
}

TEST(LoadConfig, EnvironmentValuesOfEveryTypeAreRedacted) {
  const auto registry = test::test_registry();
  auto loaded = load_config_text(
      "[exporters.stdout]\nconcurrency = ${CONCURRENCY}\nfrom = [\"${SOURCE}\"]\n"
      "[collectors.host]\ninterval = \"${INTERVAL}\"\n",
      "agent.toml", registry,
      options_with({{"CONCURRENCY", "7"}, {"SOURCE", "host"}, {"INTERVAL", "17s"}}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->exporters[0].concurrency, 7u);
  EXPECT_THAT(loaded->exporters[0].from, ElementsAre("host"));
  EXPECT_THAT(loaded->effective_toml, HasSubstr("concurrency = \"<redacted>\""));
  EXPECT_THAT(loaded->effective_toml, HasSubstr("from = [ \"<redacted>\" ]"));
  EXPECT_THAT(loaded->effective_toml, HasSubstr("interval = \"<redacted>\""));
  EXPECT_THAT(loaded->effective_toml, Not(HasSubstr("17s")));
}

TEST(LoadConfig, EveryKindAcceptsTheTableAndTheArrayForm) {
  const auto registry = test::test_registry();
  // Keys each kind requires.
  const std::map<std::string, std::string> collector_keys = {{"tail", "path = \"/x.log\"\n"}};
  const std::map<std::string, std::string> exporter_keys = {
      {"otlp", "endpoint = \"http://127.0.0.1:4318\"\n"},
      {"prometheus_remote_write", "endpoint = \"http://127.0.0.1:9090/api/v1/write\"\n"},
  };
  const auto lookup = [](const std::map<std::string, std::string>& keys, std::string_view kind) {
    auto it = keys.find(std::string(kind));
    return it == keys.end() ? std::string() : it->second;
  };
  const auto collector_keys_of = [&](std::string_view k) { return lookup(collector_keys, k); };
  const auto exporter_keys_of = [&](std::string_view k) { return lookup(exporter_keys, k); };
  for (const auto& f : registry.collectors) {
    const std::string k(f.kind);
    const std::string table =
        "[collectors." + k + "]\n" + collector_keys_of(k) + "[exporters.stdout]\n";
    const std::string array = "[[collectors." + k + "]]\nname = \"a\"\n" + collector_keys_of(k) +
                              "[[collectors." + k + "]]\nname = \"b\"\n" + collector_keys_of(k) +
                              "[exporters.stdout]\n";
    auto one = load_config_text(table, "agent.toml", registry, options_with({}));
    ASSERT_TRUE(one.has_value()) << k << ": " << one.error().message;
    ASSERT_EQ(one->collectors.size(), 1u);
    EXPECT_EQ(one->collectors[0].identity.id, k);
    auto many = load_config_text(array, "agent.toml", registry, options_with({}));
    ASSERT_TRUE(many.has_value()) << k << ": " << many.error().message;
    ASSERT_EQ(many->collectors.size(), 2u);
    EXPECT_EQ(many->collectors[0].identity.id, k + "/a");
    EXPECT_EQ(many->collectors[1].identity.id, k + "/b");
    EXPECT_EQ(many->collectors[1].identity.key_path, "collectors." + k + "[1]");
  }
  for (const auto& f : registry.exporters) {
    const std::string k(f.kind);
    const std::string table = "[exporters." + k + "]\n" + exporter_keys_of(k);
    const std::string array = "[[exporters." + k + "]]\n" + exporter_keys_of(k) + "[[exporters." +
                              k + "]]\nname = \"second\"\n" + exporter_keys_of(k);
    auto one = load_config_text(table, "agent.toml", registry, options_with({}));
    ASSERT_TRUE(one.has_value()) << k << ": " << one.error().message;
    ASSERT_EQ(one->exporters.size(), 1u);
    EXPECT_EQ(one->exporters[0].identity.id, k);
    EXPECT_EQ(one->exporters[0].signals, f.accepts);
    auto many = load_config_text(array, "agent.toml", registry, options_with({}));
    ASSERT_TRUE(many.has_value()) << k << ": " << many.error().message;
    ASSERT_EQ(many->exporters.size(), 2u);
    // Without a name the instance is named after its kind.
    EXPECT_EQ(many->exporters[0].identity.id, k);
    EXPECT_EQ(many->exporters[1].identity.id, k + "/second");
  }
}

TEST(LoadConfig, KindsWithoutAParserGetAnEmptyConfig) {
  auto registry = test::test_registry();
  registry.collectors.push_back(app::CollectorFactory{"bare", "no keys", nullptr, nullptr});
  auto loaded = load_config_text("[collectors.bare]\n[exporters.stdout]\n", "agent.toml", registry,
                                 options_with({}));
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  ASSERT_EQ(loaded->collectors.size(), 1u);
  ASSERT_NE(loaded->collectors[0].config, nullptr);
  EXPECT_THAT(loaded->collectors[0].config->listen_addresses(), IsEmpty());
}

TEST(LoadConfigFile, UnreadableFilesNameThePathAndTheReason) {
  const auto registry = test::test_registry();
  auto missing = load_config_file("/nonexistent/vigil/agent.toml", registry, options_with({}));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            "cannot read config file \"/nonexistent/vigil/agent.toml\": No such file or directory");
  auto directory = load_config_file(kDataDir, registry, options_with({}));
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().message,
            "cannot read config file \"" + kDataDir + "\": Is a directory");
}

TEST(LoadConfigFile, MessagesNameTheFileAsGiven) {
  const auto registry = test::test_registry();
  auto loaded = load_config_file(kDataDir + "/full.toml", registry, options_with({}));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().message,
            kDataDir +
                "/full.toml:42:13: environment variable \"OTLP_ENDPOINT\" is not set (use "
                "${OTLP_ENDPOINT:-default} for a default)\n" +
                kDataDir +
                "/full.toml:43:16: environment variable \"API_KEY_SUFFIX\" is not set "
                "(use ${API_KEY_SUFFIX:-default} for a default)");
}

}  // namespace
}  // namespace vigil::config
