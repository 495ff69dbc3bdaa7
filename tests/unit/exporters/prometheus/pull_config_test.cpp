#include "exporters/prometheus/pull_config.h"

#include <sstream>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "agent/config/config_reader.h"
#include "exporters/prometheus/pull_exporter.h"

namespace vigil::exporters::prometheus {
namespace {

using namespace std::chrono_literals;

struct Parsed {
  std::shared_ptr<const PullConfig> config;
  std::vector<std::string> errors;
  std::string effective;
};

Parsed parse(std::string_view text, bool present = true) {
  const toml::table table = toml::parse(text);
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  config::ConfigReader reader(context, present ? &table : nullptr, "exporters.prometheus");
  Parsed out;
  out.config = std::dynamic_pointer_cast<const PullConfig>(pull_exporter_factory().parse(reader));
  reader.finish();
  out.errors = diagnostics.errors();
  std::ostringstream effective;
  effective << reader.effective();
  out.effective = effective.str();
  return out;
}

TEST(PullConfig, KindAndSignals) {
  const auto factory = pull_exporter_factory();
  EXPECT_EQ(factory.kind, "prometheus");
  EXPECT_TRUE(factory.accepts.contains(core::Signal::kMetrics));
  EXPECT_FALSE(factory.accepts.contains(core::Signal::kLogs));
  EXPECT_FALSE(factory.accepts.contains(core::Signal::kTraces));
}

TEST(PullConfig, Defaults) {
  const auto parsed = parse("", /*present=*/false);
  ASSERT_TRUE(parsed.errors.empty());
  const PullConfig& c = *parsed.config;
  EXPECT_EQ(c.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.staleness, 5min);
  EXPECT_FALSE(c.send_timestamps);
  EXPECT_EQ(c.max_series, 100'000);
  EXPECT_TRUE(c.node_exporter_names);
  EXPECT_TRUE(c.target_info);
  EXPECT_TRUE(c.job_instance_labels);
  EXPECT_TRUE(c.scope_labels);
  EXPECT_EQ(c.listen_addresses(), (std::vector<std::pair<std::string, std::string>>{
                                      {"exporters.prometheus.listen", "127.0.0.1:9464"}}));
  // Every default is in the effective configuration (what `vigil check` prints).
  for (std::string_view key :
       {"listen", "staleness", "send_timestamps", "max_series", "node_exporter_names",
        "target_info", "job_instance_labels", "scope_labels"}) {
    EXPECT_NE(parsed.effective.find(key), std::string::npos) << key << "\n" << parsed.effective;
  }
}

TEST(PullConfig, EveryKey) {
  const auto parsed = parse(R"(
listen = "0.0.0.0:19100"
staleness = "90s"
send_timestamps = true
max_series = 0
node_exporter_names = false
target_info = false
job_instance_labels = false
scope_labels = false
)");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  const PullConfig& c = *parsed.config;
  EXPECT_EQ(c.listen, "0.0.0.0:19100");
  EXPECT_EQ(c.staleness, 90s);
  EXPECT_TRUE(c.send_timestamps);
  EXPECT_EQ(c.max_series, 0);
  EXPECT_FALSE(c.node_exporter_names);
  EXPECT_FALSE(c.target_info);
  EXPECT_FALSE(c.job_instance_labels);
  EXPECT_FALSE(c.scope_labels);
}

TEST(PullConfig, BadValuesNameFileLineColumnAndKey) {
  const auto bad_listen = parse("\nlisten = \"nowhere\"");
  ASSERT_EQ(bad_listen.errors.size(), 1u);
  EXPECT_NE(bad_listen.errors[0].find("agent.toml:2:"), std::string::npos) << bad_listen.errors[0];
  EXPECT_NE(bad_listen.errors[0].find("exporters.prometheus.listen"), std::string::npos)
      << bad_listen.errors[0];

  const auto short_window = parse("staleness = \"500ms\"");
  ASSERT_EQ(short_window.errors.size(), 1u);
  EXPECT_NE(short_window.errors[0].find("exporters.prometheus.staleness"), std::string::npos)
      << short_window.errors[0];
  EXPECT_EQ(parse("staleness = 300").errors.size(), 1u);
  EXPECT_EQ(parse("max_series = -1").errors.size(), 1u);
  EXPECT_EQ(parse("send_timestamps = \"yes\"").errors.size(), 1u);

  const auto unknown = parse("lisen = \"127.0.0.1:1\"");
  ASSERT_EQ(unknown.errors.size(), 1u);
  EXPECT_NE(unknown.errors[0].find("did you mean \"listen\""), std::string::npos)
      << unknown.errors[0];
}

}  // namespace
}  // namespace vigil::exporters::prometheus
