#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "collectors/host/device_metrics.h"
#include "collectors/host/netdev_parser.h"

namespace vigil::collectors::host {

// `network`: /proc/net/dev, per interface not matching the exclude pattern (none by default,
// like node_exporter 1.5).
struct NetworkSource {
  static constexpr std::string_view kName = "network";
  static constexpr std::string_view kPath = "/proc/net/dev";
  static constexpr std::size_t kColumns = kNetDevColumns;
  using Line = NetDevLine;
  static void parse(std::string_view text, std::vector<Line>& out) { parse_net_dev(text, out); }
  static std::string_view device(const Line& line) { return line.device; }
  static std::span<const std::uint64_t> values(const Line& line) { return line.values; }
  static std::uint8_t count(const Line&) { return kNetDevColumns; }
  static std::span<const DeviceMetric> metrics();
};

using NetworkScraper = DeviceScraper<NetworkSource>;

}  // namespace vigil::collectors::host
