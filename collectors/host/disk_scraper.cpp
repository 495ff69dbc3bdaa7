#include "collectors/host/disk_scraper.h"

namespace vigil::collectors::host {

namespace {

constexpr DeviceMetric kDiskMetrics[] = {
    {{"system.disk.operations", "Disk operations completed.", "{operation}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kDiskReads, "read", kDiskStatsBase},
       {kDiskWrites, "write", kDiskStatsBase},
       {kDiskDiscards, "discard", kDiskStatsWithDiscards},
       {kDiskFlushes, "flush", kDiskStatsWithFlushes}}},
     4},
    {{"system.disk.merged", "Adjacent disk operations merged by the kernel.", "{operation}",
      MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kDiskReadsMerged, "read", kDiskStatsBase},
       {kDiskWritesMerged, "write", kDiskStatsBase},
       {kDiskDiscardsMerged, "discard", kDiskStatsWithDiscards}}},
     3},
    {{"system.disk.io", "Bytes read from and written to disk.", "By", MetricKind::kCounter},
     ValueScale::kSectorsToBytes,
     {{{kDiskSectorsRead, "read", kDiskStatsBase}, {kDiskSectorsWritten, "write", kDiskStatsBase}}},
     2},
    {{"system.disk.discarded_sectors", "Sectors discarded.", "{sector}", MetricKind::kCounter},
     ValueScale::kInteger,
     {{{kDiskSectorsDiscarded, "", kDiskStatsWithDiscards}}},
     1},
    {{"system.disk.operation_time", "Time spent on disk operations, by direction.", "s",
      MetricKind::kCounter},
     ValueScale::kMillisToSeconds,
     {{{kDiskReadMs, "read", kDiskStatsBase},
       {kDiskWriteMs, "write", kDiskStatsBase},
       {kDiskDiscardMs, "discard", kDiskStatsWithDiscards},
       {kDiskFlushMs, "flush", kDiskStatsWithFlushes}}},
     4},
    {{"system.disk.pending_operations", "Disk operations in progress.", "{operation}",
      MetricKind::kUpDown},
     ValueScale::kInteger,
     {{{kDiskIoInProgress, "", kDiskStatsBase}}},
     1},
    {{"system.disk.io_time", "Time the disk was busy with operations.", "s", MetricKind::kCounter},
     ValueScale::kMillisToSeconds,
     {{{kDiskIoMs, "", kDiskStatsBase}}},
     1},
    {{"system.disk.weighted_io_time",
      "Time spent on disk operations multiplied by the operations in progress.", "s",
      MetricKind::kCounter},
     ValueScale::kMillisToSeconds,
     {{{kDiskWeightedIoMs, "", kDiskStatsBase}}},
     1},
};

}  // namespace

std::span<const DeviceMetric> DiskSource::metrics() { return kDiskMetrics; }

}  // namespace vigil::collectors::host
