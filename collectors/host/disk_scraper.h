#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "collectors/host/device_metrics.h"
#include "collectors/host/diskstats_parser.h"

namespace vigil::collectors::host {

// `disk`: /proc/diskstats, per block device not matching the exclude pattern (node_exporter
// 1.5's default leaves out partitions, loop, ram and floppy devices).
struct DiskSource {
  static constexpr std::string_view kName = "disk";
  static constexpr std::string_view kPath = "/proc/diskstats";
  static constexpr std::size_t kColumns = kDiskStats;
  using Line = DiskStatsLine;
  static void parse(std::string_view text, std::vector<Line>& out) { parse_diskstats(text, out); }
  static std::string_view device(const Line& line) { return line.device; }
  static std::span<const std::uint64_t> values(const Line& line) { return line.stats; }
  static std::uint8_t count(const Line& line) { return line.count; }
  static std::span<const DeviceMetric> metrics();
};

using DiskScraper = DeviceScraper<DiskSource>;

}  // namespace vigil::collectors::host
