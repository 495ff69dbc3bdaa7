// The host collector's pure parsers of /proc and /sys text (collectors/host/*_parser.h), all
// fed the same input: none may crash, read outside the text, or hand out views that are not
// into the text (or, for mountinfo, into its storage). Names taken from the input, made valid
// UTF-8, must encode to a request that protobuf parses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/host/cgroup_parser.h"
#include "collectors/host/diskstats_parser.h"
#include "collectors/host/loadavg_parser.h"
#include "collectors/host/meminfo_parser.h"
#include "collectors/host/metrics_encoder.h"
#include "collectors/host/mountinfo_parser.h"
#include "collectors/host/netdev_parser.h"
#include "collectors/host/pressure_parser.h"
#include "collectors/host/proc_stat_parser.h"
#include "collectors/host/system_parser.h"
#include "collectors/host/text_scan.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace {

using namespace vigil::collectors::host;

bool within(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Encodes one gauge point per name (made valid UTF-8) and parses the result.
void check_encoding(const std::vector<std::string_view>& names) {
  MetricsEncoder encoder("", encode_scope("host", "fuzz"));
  encoder.begin_request();
  encoder.begin_metric({"fuzz.metric", "Names from the input.", "1", MetricKind::kCounter});
  std::string label;
  for (const std::string_view name : names) {
    label.clear();
    append_valid_utf8(label, name);
    check(is_valid_utf8(label));
    encoder.add_int({{"device", label}}, 1, 2, static_cast<std::int64_t>(name.size()));
  }
  encoder.end_metric();
  std::string out;
  const std::uint64_t points = encoder.finish_request(out);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
  check(request.ParseFromString(out));
  check(points == names.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> names;

  ProcStat stat;
  parse_proc_stat(text, stat);
  for (const CpuLine& cpu : stat.cpus) {
    check(within(cpu.cpu, text) && !cpu.cpu.empty() && cpu.fields >= 4);
  }

  std::vector<MeminfoField> meminfo;
  parse_meminfo(text, meminfo);
  for (const auto& f : meminfo) {
    check(within(f.name, text) && !f.name.empty());
    names.push_back(f.name);
  }

  std::vector<DiskStatsLine> disks;
  parse_diskstats(text, disks);
  for (const auto& d : disks) {
    check(within(d.device, text) && !d.device.empty());
    check(d.count == kDiskStatsBase || d.count == kDiskStatsWithDiscards ||
          d.count == kDiskStatsWithFlushes);
    names.push_back(d.device);
  }

  std::string storage;
  std::vector<MountEntry> mounts;
  parse_mountinfo(text, storage, mounts);
  for (const auto& m : mounts) {
    check(within(m.mount_point, storage) && within(m.fstype, storage) && within(m.source, storage));
    names.push_back(m.mount_point);
    names.push_back(m.source);
  }
  std::string unescaped;
  append_unescaped(unescaped, text);
  check(unescaped.size() <= text.size());

  std::vector<NetDevLine> interfaces;
  parse_net_dev(text, interfaces);
  for (const auto& n : interfaces) {
    check(within(n.device, text) && !n.device.empty());
    names.push_back(n.device);
  }

  LoadAverage load;
  (void)parse_loadavg(text, load);
  double uptime = 0;
  (void)parse_uptime(text, uptime);
  FileNr file_nr;
  (void)parse_file_nr(text, file_nr);
  Pressure pressure;
  if (parse_pressure(text, pressure)) check(pressure.has_some || pressure.has_full);

  if (auto path = unified_cgroup_path(text)) check(within(*path, text) && path->starts_with('/'));
  CgroupValue value;
  (void)parse_cgroup_value(text, value);
  const std::string_view keys[] = {"usage_usec", "user_usec", "anon", "pgfault"};
  std::uint64_t values[4] = {};
  check(parse_flat_keyed(text, keys, values) < 16);
  std::vector<IoStatLine> io;
  parse_io_stat(text, io);

  check_encoding(names);
  return 0;
}
