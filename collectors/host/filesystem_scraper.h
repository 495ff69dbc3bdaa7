#pragma once

#include <sys/statvfs.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "collectors/host/mountinfo_parser.h"
#include "collectors/host/name_filter.h"
#include "collectors/host/scraper.h"

namespace vigil::collectors::host {

// statvfs(3) as the filesystem scraper calls it: 0 or an errno value. Injected so tests can
// return fixture figures, fail, or block like a dead NFS server.
using StatvfsFunction = std::function<int(const char* path, struct statvfs& out)>;
int system_statvfs(const char* path, struct statvfs& out);

// What statvfs said about one mount, in bytes and inodes (node_exporter's arithmetic:
// f_frsize units).
struct FilesystemFigures {
  std::uint64_t size = 0;         // f_blocks
  std::uint64_t free = 0;         // f_bfree, including root's reserve
  std::uint64_t available = 0;    // f_bavail
  std::uint64_t inodes = 0;       // f_files
  std::uint64_t inodes_free = 0;  // f_ffree
};
FilesystemFigures figures_from(const struct statvfs& st);

// `filesystem`: the mount table (<root>/proc/1/mountinfo, as node_exporter 1.5 reads pid 1's
// mounts; <root>/proc/self/mountinfo when that cannot be read) and statvfs of
// <root><mount point> for every mount whose type and mount point are not excluded.
//
// The statvfs calls are not made by scrape(): the caller probes the mounts between refresh()
// and scrape() (HostScraper::scrape inline; the collector on its own threads, with a timeout).
class FilesystemScraper final : public Scraper {
 public:
  enum class Status : std::uint8_t {
    kNotProbed,  // no answer this scrape: reported as a device error
    kOk,
    kFailed,    // statvfs returned an error
    kTimedOut,  // no answer within statvfs_timeout
    kStuck,     // an earlier call has not returned yet: not called again
  };

  struct Mount {
    std::string key;  // mount point, source and type, NUL-separated (the identity)
    bool seen = false;
    bool excluded = false;
    bool read_only = false;
    std::string mount_point;  // labels, valid UTF-8
    std::string device;
    std::string type;
    std::string statvfs_path;  // <root><mount point>, as the kernel spells it
    Status status = Status::kNotProbed;
    int error = 0;  // with kFailed
    FilesystemFigures figures;
    // The collector's StatvfsProber slot for this mount (-1: none yet).
    std::int32_t probe_slot = -1;
  };

  FilesystemScraper(NameFilter exclude_fstypes, NameFilter exclude_mountpoints);
  std::string_view name() const override { return "filesystem"; }

  // Reads the mount table; every listed mount gets status kNotProbed. False when the table
  // cannot be read: scrape() then reports nothing, and that error. The table on procfs is
  // read and parsed again only when the kernel signals a change
  // (ProcFiles::mount_table_changed); one in a fixture tree is read every time.
  bool refresh(ProcFiles& files);
  // How many times refresh() read and parsed the mount table.
  std::uint64_t mount_table_reads() const { return mount_table_reads_; }
  // The mounts of the last refresh, excluded ones included (skip them).
  std::vector<Mount>& mounts() { return mounts_.items(); }
  // Probe slots of mounts that left the table at the last refresh (the owner frees them).
  const std::vector<std::int32_t>& released_slots() const { return released_slots_; }

  // Calls `statvfs` for every mount not excluded, on this thread.
  void probe_inline(const StatvfsFunction& statvfs);
  // Stores one mount's answer.
  static void set_answer(Mount& mount, int rc, const struct statvfs& st);

  // Writes the metrics of the last refresh and the answers stored since.
  bool scrape(ScrapeContext& context, SourceError& error) override;

 private:
  NameFilter exclude_fstypes_;
  NameFilter exclude_mountpoints_;
  std::string_view mountinfo_path_;  // chosen at the first refresh
  bool refreshed_ = false;
  // mounts_ holds the table's last content (a read and parse succeeded since the last failure).
  bool table_current_ = false;
  std::uint64_t mount_table_reads_ = 0;
  SourceError refresh_error_;
  std::string text_;
  std::string unescaped_;
  std::string key_;
  std::vector<MountEntry> entries_;
  EntityTable<Mount> mounts_;
  std::vector<std::int32_t> released_slots_;
};

}  // namespace vigil::collectors::host
