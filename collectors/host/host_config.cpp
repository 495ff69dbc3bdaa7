#include "collectors/host/host_config.h"

#include <algorithm>

#include <fmt/format.h>

#include "collectors/host/name_filter.h"

namespace vigil::collectors::host {

namespace {

constexpr core::Duration kMinInterval = std::chrono::seconds(1);
constexpr core::Duration kMaxInterval = std::chrono::hours(24);

std::string read_pattern(config::ConfigReader& reader, std::string_view key,
                         std::string_view default_value) {
  std::string pattern = reader.string(key, default_value);
  if (auto compiled = NameFilter::compile(pattern); !compiled) {
    reader.error(key, fmt::format("not a valid regular expression: {}", compiled.error()));
    return std::string(default_value);
  }
  return pattern;
}

std::vector<std::string> read_scrapers(config::ConfigReader& reader,
                                       std::vector<std::string> defaults) {
  auto scrapers = reader.string_list("scrapers", std::move(defaults));
  std::vector<std::string> known(std::begin(kScraperNames), std::end(kScraperNames));
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < scrapers.size(); ++i) {
    const std::string& name = scrapers[i];
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string suggestion = config::did_you_mean(name, known);
      reader.error(
          "scrapers", i,
          suggestion.empty()
              ? fmt::format("unknown scraper \"{}\" (known: {})", name, fmt::join(known, ", "))
              : fmt::format("unknown scraper \"{}\"; did you mean \"{}\"?", name, suggestion));
    } else if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      reader.error("scrapers", i, fmt::format("\"{}\" is listed twice", name));
    }
    seen.push_back(name);
  }
  return scrapers;
}

}  // namespace

bool HostConfig::enabled(std::string_view scraper) const {
  return std::find(scrapers.begin(), scrapers.end(), scraper) != scrapers.end();
}

std::shared_ptr<const HostConfig> parse_host_config(config::ConfigReader& reader) {
  auto config = std::make_shared<HostConfig>();
  config->interval = reader.duration("interval", config->interval, kMinInterval, kMaxInterval);
  config->scrapers = read_scrapers(reader, config->scrapers);
  config->root_path = reader.string("root_path", config->root_path);
  if (config->root_path.empty() || config->root_path.front() != '/') {
    reader.error("root_path",
                 "must be an absolute path (\"/\" on the host, \"/host\" when the "
                 "host's root is mounted there)");
    config->root_path.assign(1, '/');  // not = "/": g++ 12 warns wrongly (-Wrestrict)
  }

  auto& cpu = reader.table("cpu");
  config->cpu_utilization = cpu.boolean("utilization", config->cpu_utilization);
  auto& disk = reader.table("disk");
  config->disk_exclude = read_pattern(disk, "exclude", kDefaultDiskExclude);
  auto& network = reader.table("network");
  config->network_exclude = read_pattern(network, "exclude", "");
  auto& filesystem = reader.table("filesystem");
  config->exclude_fstypes = read_pattern(filesystem, "exclude_fstypes", kDefaultExcludeFsTypes);
  config->exclude_mountpoints =
      read_pattern(filesystem, "exclude_mountpoints", kDefaultExcludeMountPoints);
  // The calls of one scrape must end well before the next begins: the timeout is at most half
  // the interval (a longer one, such as the default 5s with a 1s interval, is shortened).
  config->statvfs_timeout =
      std::min(filesystem.duration("statvfs_timeout", config->statvfs_timeout,
                                   std::chrono::milliseconds(10), std::chrono::minutes(10)),
               config->interval / 2);
  return config;
}

}  // namespace vigil::collectors::host
