#include "exporters/prometheus/node_exporter_names.h"

#include <array>

namespace vigil::exporters::prometheus {

namespace {

// Help texts are node_exporter 1.5's own, so a scrape reads the same.

constexpr std::array kCpuModes = {ValueRename{"interrupt", "irq"}};
constexpr std::array kCpuLabels = {LabelRename{"state", "mode", kCpuModes}};
constexpr std::array kFilesystemLabels = {LabelRename{"type", "fstype"}};

constexpr std::array kDiskOperations = {
    NameChoice{"read", "node_disk_reads_completed_total",
               "The total number of reads completed successfully."},
    NameChoice{"write", "node_disk_writes_completed_total",
               "The total number of writes completed successfully."},
    NameChoice{"discard", "node_disk_discards_completed_total",
               "The total number of discards completed successfully."},
    NameChoice{"flush", "node_disk_flush_requests_total",
               "The total number of flush requests completed successfully"},
};
constexpr std::array kDiskMerged = {
    NameChoice{"read", "node_disk_reads_merged_total", "The total number of reads merged."},
    NameChoice{"write", "node_disk_writes_merged_total", "The number of writes merged."},
    NameChoice{"discard", "node_disk_discards_merged_total",
               "The total number of discards merged."},
};
constexpr std::array kDiskBytes = {
    NameChoice{"read", "node_disk_read_bytes_total",
               "The total number of bytes read successfully."},
    NameChoice{"write", "node_disk_written_bytes_total",
               "The total number of bytes written successfully."},
};
constexpr std::array kDiskTime = {
    NameChoice{"read", "node_disk_read_time_seconds_total",
               "The total number of seconds spent by all reads."},
    NameChoice{"write", "node_disk_write_time_seconds_total",
               "This is the total number of seconds spent by all writes."},
    NameChoice{"discard", "node_disk_discard_time_seconds_total",
               "This is the total number of seconds spent by all discards."},
    NameChoice{"flush", "node_disk_flush_requests_time_seconds_total",
               "This is the total number of seconds spent by all flush requests."},
};

constexpr std::array kNetBytes = {
    NameChoice{"receive", "node_network_receive_bytes_total",
               "Network device statistic receive_bytes."},
    NameChoice{"transmit", "node_network_transmit_bytes_total",
               "Network device statistic transmit_bytes."},
};
constexpr std::array kNetPackets = {
    NameChoice{"receive", "node_network_receive_packets_total",
               "Network device statistic receive_packets."},
    NameChoice{"transmit", "node_network_transmit_packets_total",
               "Network device statistic transmit_packets."},
};
constexpr std::array kNetErrs = {
    NameChoice{"receive", "node_network_receive_errs_total",
               "Network device statistic receive_errs."},
    NameChoice{"transmit", "node_network_transmit_errs_total",
               "Network device statistic transmit_errs."},
};
constexpr std::array kNetDrop = {
    NameChoice{"receive", "node_network_receive_drop_total",
               "Network device statistic receive_drop."},
    NameChoice{"transmit", "node_network_transmit_drop_total",
               "Network device statistic transmit_drop."},
};
constexpr std::array kNetFifo = {
    NameChoice{"receive", "node_network_receive_fifo_total",
               "Network device statistic receive_fifo."},
    NameChoice{"transmit", "node_network_transmit_fifo_total",
               "Network device statistic transmit_fifo."},
};
constexpr std::array kNetCompressed = {
    NameChoice{"receive", "node_network_receive_compressed_total",
               "Network device statistic receive_compressed."},
    NameChoice{"transmit", "node_network_transmit_compressed_total",
               "Network device statistic transmit_compressed."},
};
constexpr std::array kNetFrame = {NameChoice{"receive", "node_network_receive_frame_total",
                                             "Network device statistic receive_frame."}};
constexpr std::array kNetMulticast = {NameChoice{"receive", "node_network_receive_multicast_total",
                                                 "Network device statistic receive_multicast."}};
constexpr std::array kNetColls = {NameChoice{"transmit", "node_network_transmit_colls_total",
                                             "Network device statistic transmit_colls."}};
constexpr std::array kNetCarrier = {NameChoice{"transmit", "node_network_transmit_carrier_total",
                                               "Network device statistic transmit_carrier."}};

constexpr std::array kProcs = {
    NameChoice{"running", "node_procs_running", "Number of processes in runnable state."},
    NameChoice{"blocked", "node_procs_blocked",
               "Number of processes blocked waiting for I/O to complete."},
};
constexpr std::array kPressureWaiting = {
    NameChoice{"cpu", "node_pressure_cpu_waiting_seconds_total",
               "Total time in seconds that processes have waited for CPU time"},
    NameChoice{"memory", "node_pressure_memory_waiting_seconds_total",
               "Total time in seconds that processes have waited for memory"},
    NameChoice{"io", "node_pressure_io_waiting_seconds_total",
               "Total time in seconds that processes have waited due to IO congestion"},
};
constexpr std::array kPressureStalled = {
    NameChoice{"memory", "node_pressure_memory_stalled_seconds_total",
               "Total time in seconds no process could make progress due to memory congestion"},
    NameChoice{"io", "node_pressure_io_stalled_seconds_total",
               "Total time in seconds no process could make progress due to IO congestion"},
};

constexpr NodeExporterRow fixed(std::string_view metric, HostShape shape, MetricKind kind,
                                std::string_view name, std::string_view help, std::string_view unit,
                                std::span<const LabelRename> labels = {}) {
  return {.metric = metric,
          .shape = shape,
          .kind = kind,
          .rule = NameRule::kFixed,
          .name = name,
          .help = help,
          .unit = unit,
          .labels = labels};
}

constexpr NodeExporterRow by(std::string_view metric, HostShape shape, MetricKind kind,
                             std::string_view attribute, std::span<const NameChoice> choices,
                             std::string_view unit, std::string_view name_without = {}) {
  return {.metric = metric,
          .shape = shape,
          .kind = kind,
          .rule = NameRule::kByAttribute,
          .name = name_without,
          .unit = unit,
          .attribute = attribute,
          .choices = choices};
}

constexpr auto C = HostShape::kCounter;
constexpr auto U = HostShape::kUpDown;
constexpr auto G = HostShape::kGauge;
constexpr auto kCounter = MetricKind::kCounter;
constexpr auto kGauge = MetricKind::kGauge;

// HOST_METRICS.md, row by row.
const std::array kRows = {
    fixed("system.cpu.time", C, kCounter, "node_cpu_seconds_total",
          "Seconds the CPUs spent in each mode.", "seconds", kCpuLabels),
    fixed("system.cpu.guest_time", C, kCounter, "node_cpu_guest_seconds_total",
          "Seconds the CPUs spent in guests (VMs) for each mode.", "seconds", kCpuLabels),
    NodeExporterRow{.metric = "system.memory.meminfo",
                    .shape = G,
                    .kind = kGauge,
                    .rule = NameRule::kMeminfoBytes,
                    .unit = "bytes",
                    .attribute = "field"},
    NodeExporterRow{.metric = "system.memory.meminfo.count",
                    .shape = G,
                    .kind = kGauge,
                    .rule = NameRule::kMeminfoCount,
                    .attribute = "field"},
    by("system.disk.operations", C, kCounter, "direction", kDiskOperations, ""),
    by("system.disk.merged", C, kCounter, "direction", kDiskMerged, ""),
    by("system.disk.io", C, kCounter, "direction", kDiskBytes, "bytes"),
    fixed("system.disk.discarded_sectors", C, kCounter, "node_disk_discarded_sectors_total",
          "The total number of sectors discarded successfully.", ""),
    by("system.disk.operation_time", C, kCounter, "direction", kDiskTime, "seconds"),
    fixed("system.disk.pending_operations", U, kGauge, "node_disk_io_now",
          "The number of I/Os currently in progress.", ""),
    fixed("system.disk.io_time", C, kCounter, "node_disk_io_time_seconds_total",
          "Total seconds spent doing I/Os.", "seconds"),
    fixed("system.disk.weighted_io_time", C, kCounter, "node_disk_io_time_weighted_seconds_total",
          "The weighted # of seconds spent doing I/Os.", "seconds"),
    fixed("system.filesystem.size", G, kGauge, "node_filesystem_size_bytes",
          "Filesystem size in bytes.", "bytes", kFilesystemLabels),
    fixed("system.filesystem.free", G, kGauge, "node_filesystem_free_bytes",
          "Filesystem free space in bytes.", "bytes", kFilesystemLabels),
    fixed("system.filesystem.available", G, kGauge, "node_filesystem_avail_bytes",
          "Filesystem space available to non-root users in bytes.", "bytes", kFilesystemLabels),
    fixed("system.filesystem.inodes", G, kGauge, "node_filesystem_files",
          "Filesystem total file nodes.", "", kFilesystemLabels),
    fixed("system.filesystem.inodes.free", G, kGauge, "node_filesystem_files_free",
          "Filesystem total free file nodes.", "", kFilesystemLabels),
    fixed("system.filesystem.readonly", G, kGauge, "node_filesystem_readonly",
          "Filesystem read-only status.", "", kFilesystemLabels),
    fixed("system.filesystem.device_error", G, kGauge, "node_filesystem_device_error",
          "Whether an error occurred while getting statistics for the given device.", "",
          kFilesystemLabels),
    by("system.network.io", C, kCounter, "direction", kNetBytes, "bytes"),
    by("system.network.packets", C, kCounter, "direction", kNetPackets, ""),
    by("system.network.errors", C, kCounter, "direction", kNetErrs, ""),
    by("system.network.dropped", C, kCounter, "direction", kNetDrop, ""),
    by("system.network.fifo", C, kCounter, "direction", kNetFifo, ""),
    by("system.network.frame", C, kCounter, "direction", kNetFrame, "",
       "node_network_receive_frame_total"),
    by("system.network.compressed", C, kCounter, "direction", kNetCompressed, ""),
    by("system.network.multicast", C, kCounter, "direction", kNetMulticast, "",
       "node_network_receive_multicast_total"),
    by("system.network.collisions", C, kCounter, "direction", kNetColls, "",
       "node_network_transmit_colls_total"),
    by("system.network.carrier", C, kCounter, "direction", kNetCarrier, "",
       "node_network_transmit_carrier_total"),
    fixed("system.cpu.load_average.1m", G, kGauge, "node_load1", "1m load average.", ""),
    fixed("system.cpu.load_average.5m", G, kGauge, "node_load5", "5m load average.", ""),
    fixed("system.cpu.load_average.15m", G, kGauge, "node_load15", "15m load average.", ""),
    fixed("system.boot_time", G, kGauge, "node_boot_time_seconds", "Node boot time, in unixtime.",
          "seconds"),
    fixed("system.context_switches", C, kCounter, "node_context_switches_total",
          "Total number of context switches.", ""),
    fixed("system.processes.created", C, kCounter, "node_forks_total", "Total number of forks.",
          ""),
    fixed("system.interrupts", C, kCounter, "node_intr_total",
          "Total number of interrupts serviced.", ""),
    by("system.processes.count", U, kGauge, "status", kProcs, ""),
    fixed("system.filefd.allocated", G, kGauge, "node_filefd_allocated",
          "File descriptor statistics: allocated.", ""),
    fixed("system.filefd.maximum", G, kGauge, "node_filefd_maximum",
          "File descriptor statistics: maximum.", ""),
    by("system.pressure.waiting", C, kCounter, "resource", kPressureWaiting, "seconds"),
    by("system.pressure.stalled", C, kCounter, "resource", kPressureStalled, "seconds"),
};

// node_exporter's meminfo names: "Active(anon)" -> "Active_anon"; anything else outside
// [a-zA-Z0-9_] becomes "_" so the name stays valid.
void append_meminfo_field(std::string_view field, std::string& out) {
  for (char c : field) {
    if (c == ')') continue;
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
}

}  // namespace

std::span<const NodeExporterRow> node_exporter_rows() { return kRows; }

const NodeExporterRow* find_node_exporter_row(std::string_view metric, HostShape shape) {
  // Every host metric starts with "system."; anything else is not ours to rename.
  if (!metric.starts_with("system.")) return nullptr;
  for (const auto& row : kRows) {
    if (row.metric == metric) return row.shape == shape ? &row : nullptr;
  }
  return nullptr;
}

bool node_exporter_name(const NodeExporterRow& row, const std::string* attribute_value,
                        std::string& name, std::string& help) {
  name.clear();
  help.clear();
  switch (row.rule) {
    case NameRule::kFixed:
      name = row.name;
      help = row.help;
      return true;
    case NameRule::kByAttribute:
      if (attribute_value == nullptr) {
        if (row.name.empty()) return false;
        for (const auto& choice : row.choices) {
          if (choice.name == row.name) help = choice.help;
        }
        name = row.name;
        return true;
      }
      for (const auto& choice : row.choices) {
        if (choice.value == *attribute_value) {
          name = choice.name;
          help = choice.help;
          return true;
        }
      }
      return false;
    case NameRule::kMeminfoBytes:
    case NameRule::kMeminfoCount: {
      if (attribute_value == nullptr || attribute_value->empty()) return false;
      name = "node_memory_";
      append_meminfo_field(*attribute_value, name);
      if (row.rule == NameRule::kMeminfoBytes) name += "_bytes";
      help = "Memory information field ";
      help.append(name, std::string_view("node_memory_").size());
      help += '.';
      return true;
    }
  }
  return false;
}

NodeLabel node_exporter_label(const NodeExporterRow& row, std::string_view key,
                              std::string_view value) {
  if (!row.attribute.empty() && key == row.attribute) return {.value = value, .skip = true};
  for (const auto& rename : row.labels) {
    if (rename.attribute != key) continue;
    for (const auto& v : rename.values) {
      if (v.from == value) return {.renamed = rename.label, .value = v.to};
    }
    return {.renamed = rename.label, .value = value};
  }
  return {.value = value};
}

}  // namespace vigil::exporters::prometheus
