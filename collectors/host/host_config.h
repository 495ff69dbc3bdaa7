#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/app/component.h"
#include "agent/config/config_reader.h"

namespace vigil::collectors::host {

// The scrapers `scrapers = [...]` may name, in the order they run by default.
inline constexpr std::string_view kScraperNames[] = {
    "cpu", "memory", "disk", "filesystem", "network", "load", "system", "pressure", "cgroup"};

// node_exporter 1.5's defaults, so that the two report the same series.
inline constexpr std::string_view kDefaultDiskExclude =
    R"(^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)";
inline constexpr std::string_view kDefaultExcludeFsTypes =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    "sysfs|tracefs)$";
inline constexpr std::string_view kDefaultExcludeMountPoints =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";

// [collectors.host] and its per-scraper tables.
struct HostConfig final : app::ComponentConfig {
  core::Duration interval = std::chrono::seconds(10);
  std::vector<std::string> scrapers{std::begin(kScraperNames), std::end(kScraperNames)};
  std::string root_path = "/";
  // [collectors.host.cpu]
  bool cpu_utilization = false;
  // [collectors.host.disk]
  std::string disk_exclude{kDefaultDiskExclude};
  // [collectors.host.filesystem]
  std::string exclude_fstypes{kDefaultExcludeFsTypes};
  std::string exclude_mountpoints{kDefaultExcludeMountPoints};
  core::Duration statvfs_timeout = std::chrono::seconds(5);
  // [collectors.host.network]
  std::string network_exclude;

  bool enabled(std::string_view scraper) const;
};

// Reads the section; errors (unknown scraper, bad regex, a timeout not shorter than the
// interval, ...) go to the reader with file:line:col and key.
std::shared_ptr<const HostConfig> parse_host_config(config::ConfigReader& reader);

}  // namespace vigil::collectors::host
