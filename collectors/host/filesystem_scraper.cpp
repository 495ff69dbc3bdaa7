#include "collectors/host/filesystem_scraper.h"

#include <cerrno>

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kInitMountinfo = "/proc/1/mountinfo";
constexpr std::string_view kSelfMountinfo = "/proc/self/mountinfo";

constexpr MetricInfo kSize{"system.filesystem.size", "File system size.", "By", MetricKind::kGauge};
constexpr MetricInfo kFree{"system.filesystem.free",
                           "Free space, including the part reserved for root.", "By",
                           MetricKind::kGauge};
constexpr MetricInfo kAvailable{"system.filesystem.available",
                                "Space available to unprivileged users.", "By", MetricKind::kGauge};
constexpr MetricInfo kInodes{"system.filesystem.inodes", "Inodes.", "{inode}", MetricKind::kGauge};
constexpr MetricInfo kInodesFree{"system.filesystem.inodes.free", "Free inodes.", "{inode}",
                                 MetricKind::kGauge};
constexpr MetricInfo kReadonly{"system.filesystem.readonly", "1 if mounted read-only.", "1",
                               MetricKind::kGauge};
constexpr MetricInfo kDeviceError{"system.filesystem.device_error",
                                  "1 if statvfs failed or did not answer in time.", "1",
                                  MetricKind::kGauge};

struct FigureMetric {
  const MetricInfo& info;
  std::uint64_t FilesystemFigures::*figure;
};
constexpr FigureMetric kFigureMetrics[] = {
    {kSize, &FilesystemFigures::size},
    {kFree, &FilesystemFigures::free},
    {kAvailable, &FilesystemFigures::available},
    {kInodes, &FilesystemFigures::inodes},
    {kInodesFree, &FilesystemFigures::inodes_free},
};

}  // namespace

int system_statvfs(const char* path, struct statvfs& out) {
  return ::statvfs(path, &out) == 0 ? 0 : errno;
}

FilesystemFigures figures_from(const struct statvfs& st) {
  const std::uint64_t unit = st.f_frsize != 0 ? st.f_frsize : st.f_bsize;
  return FilesystemFigures{
      .size = static_cast<std::uint64_t>(st.f_blocks) * unit,
      .free = static_cast<std::uint64_t>(st.f_bfree) * unit,
      .available = static_cast<std::uint64_t>(st.f_bavail) * unit,
      .inodes = static_cast<std::uint64_t>(st.f_files),
      .inodes_free = static_cast<std::uint64_t>(st.f_ffree),
  };
}

FilesystemScraper::FilesystemScraper(NameFilter exclude_fstypes, NameFilter exclude_mountpoints)
    : exclude_fstypes_(std::move(exclude_fstypes)),
      exclude_mountpoints_(std::move(exclude_mountpoints)) {}

bool FilesystemScraper::refresh(ProcFiles& files) {
  refreshed_ = false;
  refresh_error_ = {};
  released_slots_.clear();
  if (mountinfo_path_.empty()) {
    // hidepid or a missing pid 1 (a fixture tree, a sandbox): fall back to our own view.
    mountinfo_path_ = files.read(kInitMountinfo, text_) == 0 ? kInitMountinfo : kSelfMountinfo;
  }
  if (table_current_ && !files.mount_table_changed(mountinfo_path_)) {
    // The kernel said the mount table is as it was: keep the mounts, ask statvfs anew.
    for (Mount& mount : mounts_.items()) {
      mount.status = Status::kNotProbed;
      mount.error = 0;
    }
    refreshed_ = true;
    return true;
  }
  table_current_ = false;
  if (const int rc = files.read(mountinfo_path_, text_); rc != 0) {
    refresh_error_ = {mountinfo_path_, rc};
    return false;
  }
  parse_mountinfo(text_, unescaped_, entries_);
  ++mount_table_reads_;

  mounts_.begin();
  for (const MountEntry& entry : entries_) {
    key_.assign(entry.mount_point).push_back('\0');
    key_.append(entry.source).push_back('\0');
    key_.append(entry.fstype);
    bool created = false;
    bool repeated = false;
    Mount& mount = mounts_.find_or_add(key_, created, &repeated);
    // A file system mounted twice on the same point shows once, as in node_exporter.
    if (repeated) continue;
    if (created) {
      append_valid_utf8(mount.mount_point, entry.mount_point);
      append_valid_utf8(mount.device, entry.source);
      append_valid_utf8(mount.type, entry.fstype);
      mount.statvfs_path.assign(files.root()).append(entry.mount_point);
      mount.excluded =
          exclude_fstypes_.matches(entry.fstype) || exclude_mountpoints_.matches(entry.mount_point);
    }
    mount.read_only = entry.read_only;
    mount.status = Status::kNotProbed;
    mount.error = 0;
  }
  for (const Mount& mount : mounts_.items()) {
    if (!mount.seen && mount.probe_slot >= 0) released_slots_.push_back(mount.probe_slot);
  }
  mounts_.end();
  refreshed_ = true;
  table_current_ = true;
  return true;
}

void FilesystemScraper::set_answer(Mount& mount, int rc, const struct statvfs& st) {
  if (rc != 0) {
    mount.status = Status::kFailed;
    mount.error = rc;
    return;
  }
  mount.status = Status::kOk;
  mount.figures = figures_from(st);
}

void FilesystemScraper::probe_inline(const StatvfsFunction& statvfs) {
  for (Mount& mount : mounts_.items()) {
    if (mount.excluded) continue;
    struct statvfs st {};
    set_answer(mount, statvfs(mount.statvfs_path.c_str(), st), st);
  }
}

bool FilesystemScraper::scrape(ScrapeContext& context, SourceError& error) {
  if (!refreshed_) {
    error = refresh_error_;
    return false;
  }
  refreshed_ = false;
  MetricsEncoder& encoder = context.encoder();
  const std::int64_t now = context.now();
  for (const FigureMetric& metric : kFigureMetrics) {
    encoder.begin_metric(metric.info);
    for (const Mount& m : mounts_.items()) {
      if (m.excluded || m.status != Status::kOk) continue;
      encoder.add_int({{"device", m.device}, {"type", m.type}, {"mountpoint", m.mount_point}}, 0,
                      now, static_cast<std::int64_t>(m.figures.*metric.figure));
    }
    encoder.end_metric();
  }
  for (const bool error_metric : {false, true}) {
    encoder.begin_metric(error_metric ? kDeviceError : kReadonly);
    for (const Mount& m : mounts_.items()) {
      if (m.excluded) continue;
      const bool value = error_metric ? m.status != Status::kOk : m.read_only;
      encoder.add_int({{"device", m.device}, {"type", m.type}, {"mountpoint", m.mount_point}}, 0,
                      now, value ? 1 : 0);
    }
    encoder.end_metric();
  }
  done(now);
  return true;
}

}  // namespace vigil::collectors::host
