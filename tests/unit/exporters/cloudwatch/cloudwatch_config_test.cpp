#include "exporters/cloudwatch/cloudwatch_config.h"

#include <toml++/toml.h>

#include <gtest/gtest.h>

#include "agent/config/config_reader.h"
#include "exporters/cloudwatch/cloudwatch_exporter.h"

namespace vigil::exporters::cloudwatch {
namespace {

struct Parsed {
  std::shared_ptr<const CloudWatchConfig> config;
  std::vector<std::string> errors;
};

Parsed parse(std::string_view toml_text) {
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  const toml::table table = toml::parse(toml_text);
  config::ConfigReader reader(context, &table, "exporters.cloudwatch[0]");
  auto config = cloudwatch_exporter_factory().parse(reader);
  reader.finish();
  return {std::dynamic_pointer_cast<const CloudWatchConfig>(config), diagnostics.errors()};
}

TEST(CloudWatchConfig, KindAcceptsMetricsAndLogs) {
  auto factory = cloudwatch_exporter_factory();
  EXPECT_EQ(factory.kind, "cloudwatch");
  EXPECT_TRUE(factory.accepts.contains(core::Signal::kMetrics));
  EXPECT_TRUE(factory.accepts.contains(core::Signal::kLogs));
  EXPECT_FALSE(factory.accepts.contains(core::Signal::kTraces));
}

TEST(CloudWatchConfig, Defaults) {
  auto p = parse("");
  ASSERT_TRUE(p.errors.empty()) << p.errors[0];
  const auto& c = *p.config;
  EXPECT_EQ(c.namespace_name, "vigil");
  EXPECT_EQ(c.metrics_mode, MetricsMode::kPutMetricData);
  EXPECT_EQ(c.translation.dimensions, kDefaultDimensions);
  EXPECT_EQ(c.translation.host_dimension, "host");
  EXPECT_EQ(c.translation.counter_mode, CounterMode::kDelta);
  EXPECT_EQ(c.translation.histogram_mode, HistogramMode::kValues);
  EXPECT_EQ(c.translation.resolution, ResolutionMode::kAuto);
  EXPECT_EQ(c.counter_reset_after, std::chrono::minutes(15));
  EXPECT_TRUE(c.gzip);
  EXPECT_EQ(c.log_group, "/vigil/logs");
  EXPECT_EQ(c.log_stream, "{host}");
  EXPECT_TRUE(c.create_log_group);
  EXPECT_EQ(c.retention_days, 0);
  EXPECT_EQ(c.emf_log_group, "/vigil/metrics");
  EXPECT_EQ(c.timeout, std::chrono::seconds(30));
}

TEST(CloudWatchConfig, ReadsEveryKey) {
  auto p = parse(R"(
region = "eu-west-1"
endpoint = "http://127.0.0.1:4566"
logs_endpoint = "https://logs.example"
namespace = "Hosts"
metrics_mode = "emf"
dimensions = ["device"]
host_dimension = "InstanceName"
counters = "rate"
histograms = "statistics"
storage_resolution = "high"
counter_reset_after = "1h"
gzip = false
log_group = "/app/{service.name}"
log_stream = "{host}/{file}"
log_format = "json"
create_log_group = false
retention_days = 30
emf_log_group = "/m"
emf_log_stream = "s"
timeout = "5s"
)");
  ASSERT_TRUE(p.errors.empty()) << p.errors[0];
  const auto& c = *p.config;
  EXPECT_EQ(c.auth.region, "eu-west-1");
  EXPECT_EQ(c.endpoint, "http://127.0.0.1:4566");
  EXPECT_EQ(c.logs_endpoint, "https://logs.example");
  EXPECT_EQ(c.metrics_mode, MetricsMode::kEmf);
  EXPECT_EQ(c.translation.dimensions, std::vector<std::string>{"device"});
  EXPECT_EQ(c.translation.host_dimension, "InstanceName");
  EXPECT_EQ(c.translation.counter_mode, CounterMode::kRate);
  EXPECT_EQ(c.translation.histogram_mode, HistogramMode::kStatistics);
  EXPECT_EQ(c.translation.resolution, ResolutionMode::kHigh);
  EXPECT_EQ(c.counter_reset_after, std::chrono::hours(1));
  EXPECT_FALSE(c.gzip);
  EXPECT_EQ(c.log_format, LogMessageFormat::kJson);
  EXPECT_FALSE(c.create_log_group);
  EXPECT_EQ(c.retention_days, 30);
  EXPECT_EQ(c.timeout, std::chrono::seconds(5));
}

TEST(CloudWatchConfig, ErrorsNameTheLineAndKey) {
  auto p = parse(R"(
namespace = "AWS/EC2"
retention_days = 10
log_group = "/bad group/{host}"
log_stream = "{host"
endpoint = "monitoring.local"
dimensions = [":x", "ok"]
metrics_mode = "json"
)");
  ASSERT_EQ(p.errors.size(), 7u);
  auto has = [&](std::string_view text) {
    for (const auto& e : p.errors) {
      if (e.find(text) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(
      has("agent.toml:2:13: exporters.cloudwatch[0].namespace: must not start with \"AWS/\""));
  EXPECT_TRUE(has("agent.toml:3:18: exporters.cloudwatch[0].retention_days: must be 0"));
  EXPECT_TRUE(has("exporters.cloudwatch[0].log_group: \"/bad group/\" holds characters"));
  EXPECT_TRUE(has("exporters.cloudwatch[0].log_stream: '{' without '}'"));
  EXPECT_TRUE(has("exporters.cloudwatch[0].endpoint: must be an http:// or https:// URL"));
  EXPECT_TRUE(has("exporters.cloudwatch[0].dimensions[0]: must not start with ':'"));
  EXPECT_TRUE(has("exporters.cloudwatch[0].metrics_mode"));
}

TEST(CloudWatchConfig, TooManyDimensionsAndEmfNamespaceCharacters) {
  std::string list = "dimensions = [";
  for (int i = 0; i < 30; ++i) list += "\"d" + std::to_string(i) + "\",";
  list += "]";
  auto p = parse(list);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("at most 30 dimensions"), std::string::npos) << p.errors[0];
  EXPECT_TRUE(parse("host_dimension = \"\"\n" + list).errors.empty());

  auto emf = parse("metrics_mode = \"emf\"\nnamespace = \"my app\"");
  ASSERT_EQ(emf.errors.size(), 1u);
  EXPECT_NE(emf.errors[0].find("may only hold"), std::string::npos);
  EXPECT_TRUE(parse("namespace = \"my app\"").errors.empty());
}

TEST(CloudWatchConfig, SecretsAreRedactedInTheEffectiveConfig) {
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  const toml::table table = toml::parse(R"(
access_key_id = "AKIDEXAMPLE"
secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)");
  config::ConfigReader reader(context, &table, "exporters.cloudwatch[0]");
  cloudwatch_exporter_factory().parse(reader);
  reader.finish();
  std::ostringstream effective;
  effective << reader.effective();
  EXPECT_EQ(effective.str().find("wJalrXUtnFEMI"), std::string::npos) << effective.str();
}

TEST(CloudWatchConfig, RetentionDays) {
  EXPECT_TRUE(valid_retention_days(1));
  EXPECT_TRUE(valid_retention_days(3653));
  EXPECT_FALSE(valid_retention_days(2));
  EXPECT_FALSE(valid_retention_days(0));
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
