#include "collectors/host/host_config.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>

namespace vigil::collectors::host {
namespace {

using namespace std::chrono_literals;

struct Parsed {
  std::shared_ptr<const HostConfig> config;
  std::vector<std::string> errors;
  std::string effective;
};

Parsed parse(std::string_view text) {
  auto table = toml::parse(text);
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  config::ConfigReader reader(context, &table, "collectors.host");
  Parsed out;
  out.config = parse_host_config(reader);
  reader.finish();
  out.errors = diagnostics.errors();
  std::ostringstream effective;
  effective << reader.effective();
  out.effective = effective.str();
  return out;
}

TEST(HostConfig, DefaultsMatchNodeExporter) {
  const Parsed p = parse("");
  ASSERT_TRUE(p.errors.empty());
  const HostConfig& c = *p.config;
  EXPECT_EQ(c.interval, 10s);
  EXPECT_EQ(c.scrapers, (std::vector<std::string>{"cpu", "memory", "disk", "filesystem", "network",
                                                  "load", "system", "pressure", "cgroup"}));
  EXPECT_EQ(c.root_path, "/");
  EXPECT_FALSE(c.cpu_utilization);
  EXPECT_EQ(c.disk_exclude, R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)");
  EXPECT_EQ(c.network_exclude, "");
  EXPECT_EQ(c.statvfs_timeout, 5s);
  EXPECT_NE(c.exclude_fstypes.find("|tracefs)$"), std::string::npos);
  EXPECT_NE(c.exclude_mountpoints.find("run/credentials/.+"), std::string::npos);
  // Every default is shown by `vigil check`.
  EXPECT_NE(p.effective.find("statvfs_timeout"), std::string::npos);
  EXPECT_NE(p.effective.find("utilization"), std::string::npos);
}

TEST(HostConfig, EveryKey) {
  const Parsed p = parse(R"(
interval = "30s"
scrapers = ["cpu", "filesystem"]
root_path = "/host"
[cpu]
utilization = true
[disk]
exclude = "^loop"
[network]
exclude = "^(lo|veth.*)$"
[filesystem]
exclude_fstypes = "^tmpfs$"
exclude_mountpoints = "^/boot"
statvfs_timeout = "1500ms"
)");
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  const HostConfig& c = *p.config;
  EXPECT_EQ(c.interval, 30s);
  EXPECT_EQ(c.scrapers, (std::vector<std::string>{"cpu", "filesystem"}));
  EXPECT_TRUE(c.enabled("filesystem"));
  EXPECT_FALSE(c.enabled("disk"));
  EXPECT_EQ(c.root_path, "/host");
  EXPECT_TRUE(c.cpu_utilization);
  EXPECT_EQ(c.disk_exclude, "^loop");
  EXPECT_EQ(c.network_exclude, "^(lo|veth.*)$");
  EXPECT_EQ(c.exclude_fstypes, "^tmpfs$");
  EXPECT_EQ(c.exclude_mountpoints, "^/boot");
  EXPECT_EQ(c.statvfs_timeout, 1500ms);
}

TEST(HostConfig, ErrorsNameTheLineAndKey) {
  const Parsed p = parse(R"(interval = "500ms"
scrapers = ["cpu", "mem0ry", "cpu", "hardware"]
root_path = "host"
[disk]
exclude = "^(loop"
[filesystem]
statvfs_timeout = "1s"
[network]
include = "eth0"
)");
  std::string all;
  for (const auto& e : p.errors) all += e + "\n";
  EXPECT_NE(all.find("agent.toml:1:12: collectors.host.interval"), std::string::npos) << all;
  EXPECT_NE(all.find("collectors.host.scrapers[1]: unknown scraper \"mem0ry\"; did you mean "
                     "\"memory\"?"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("collectors.host.scrapers[2]: \"cpu\" is listed twice"), std::string::npos)
      << all;
  EXPECT_NE(all.find("scrapers[3]: unknown scraper \"hardware\" (known: cpu, memory,"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("agent.toml:3:13: collectors.host.root_path: must be an absolute path"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("agent.toml:5:11: collectors.host.disk.exclude: not a valid regular "
                     "expression: missing closing parenthesis"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("collectors.host.network.include: unknown key"), std::string::npos) << all;
}

TEST(HostConfig, StatvfsTimeoutStaysWithinHalfTheInterval) {
  const Parsed short_interval = parse("interval = \"2s\"\n");
  ASSERT_TRUE(short_interval.errors.empty());
  EXPECT_EQ(short_interval.config->statvfs_timeout, 1s);
  const Parsed too_long = parse("interval = \"10s\"\n[filesystem]\nstatvfs_timeout = \"6s\"\n");
  ASSERT_TRUE(too_long.errors.empty());
  EXPECT_EQ(too_long.config->statvfs_timeout, 5s);
  const Parsed shorter = parse("interval = \"10s\"\n[filesystem]\nstatvfs_timeout = \"250ms\"\n");
  EXPECT_EQ(shorter.config->statvfs_timeout, 250ms);
}

}  // namespace
}  // namespace vigil::collectors::host
