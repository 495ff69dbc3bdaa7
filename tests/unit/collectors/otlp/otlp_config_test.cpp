#include "collectors/otlp/otlp_config.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

namespace vigil::collectors::otlp {
namespace {

using namespace std::chrono_literals;

struct Parsed {
  std::shared_ptr<const OtlpConfig> config;
  std::vector<std::string> errors;
  std::string effective;
};

Parsed parse(std::string_view text) {
  auto table = toml::parse(text);
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  config::ConfigReader reader(context, &table, "collectors.otlp");
  Parsed out;
  out.config = parse_otlp_config(reader);
  reader.finish();
  out.errors = diagnostics.errors();
  std::ostringstream effective;
  effective << reader.effective();
  out.effective = effective.str();
  return out;
}

TEST(OtlpConfig, Defaults) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed.errors.empty());
  const auto& c = *parsed.config;
  EXPECT_EQ(c.http_listen, "127.0.0.1:4318");
  EXPECT_EQ(c.grpc_listen, "127.0.0.1:4317");
  EXPECT_EQ(c.max_request_size, 20u << 20);
  EXPECT_EQ(c.ack_timeout, 5s);
  EXPECT_EQ(c.retry_after, 1s);
  EXPECT_FALSE(c.resource_overwrite);
  EXPECT_TRUE(c.bearer_token.empty());
  EXPECT_EQ(c.signals, core::SignalSet::all());
  EXPECT_EQ(c.listen_addresses(), (std::vector<std::pair<std::string, std::string>>{
                                      {"collectors.otlp.http_listen", "127.0.0.1:4318"},
                                      {"collectors.otlp.grpc_listen", "127.0.0.1:4317"}}));
}

TEST(OtlpConfig, EveryKey) {
  auto parsed = parse(R"(
http_listen = "0.0.0.0:14318"
grpc_listen = ""
max_request_size = "4MiB"
ack_timeout = "30s"
retry_after = "5s"
resource_overwrite = true
signals = ["logs"]
[auth]
bearer_token = "t0ken"
)");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  const auto& c = *parsed.config;
  EXPECT_EQ(c.http_listen, "0.0.0.0:14318");
  EXPECT_TRUE(c.grpc_listen.empty());
  EXPECT_EQ(c.max_request_size, 4u << 20);
  EXPECT_EQ(c.ack_timeout, 30s);
  EXPECT_EQ(c.retry_after, 5s);
  EXPECT_TRUE(c.resource_overwrite);
  EXPECT_EQ(c.bearer_token, "t0ken");
  EXPECT_TRUE(c.signals.contains(core::Signal::kLogs));
  EXPECT_FALSE(c.signals.contains(core::Signal::kTraces));
  EXPECT_EQ(c.listen_addresses().size(), 1u);
  // The token never shows in the effective configuration.
  EXPECT_EQ(parsed.effective.find("t0ken"), std::string::npos) << parsed.effective;
}

TEST(OtlpConfig, BadValuesAreErrors) {
  EXPECT_EQ(parse("http_listen = \"nowhere\"").errors.size(), 1u);
  EXPECT_EQ(parse("http_listen = \"\"\ngrpc_listen = \"\"").errors.size(), 1u);
  EXPECT_EQ(
      parse("http_listen = \"127.0.0.1:5000\"\ngrpc_listen = \"127.0.0.1:5000\"").errors.size(),
      1u);
  EXPECT_EQ(parse("max_request_size = \"10\"").errors.size(), 1u);
  EXPECT_EQ(parse("ack_timeout = \"1ms\"").errors.size(), 1u);
  EXPECT_EQ(parse("retry_after = \"0s\"").errors.size(), 1u);
  EXPECT_EQ(parse("signals = [\"spans\"]").errors.size(), 1u);
  EXPECT_EQ(parse("tokn = 1").errors.size(), 1u);
  auto both_empty = parse("http_listen = \"\"\ngrpc_listen = \"\"");
  EXPECT_NE(both_empty.errors.front().find("nothing to listen on"), std::string::npos)
      << both_empty.errors.front();
}

}  // namespace
}  // namespace vigil::collectors::otlp
