#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/otlp/resource_info.h"
#include "collectors/host/filesystem_scraper.h"
#include "collectors/host/host_config.h"
#include "collectors/host/metrics_encoder.h"
#include "collectors/host/proc_files.h"
#include "collectors/host/proc_stat_parser.h"
#include "collectors/host/scraper.h"

namespace vigil::telemetry {
class Logger;
}

namespace vigil::collectors::host {

class CgroupScraper;

// Every enabled scraper of [collectors.host] behind one call that writes a whole
// ExportMetricsServiceRequest. The in-process API for benchmarks and tests:
//
//   HostConfig config;                       // defaults: every scraper, root "/"
//   HostScraper scraper(config, resource);   // resource: host.name, os.type, ...
//   std::string request;
//   scraper.scrape(now_unix_nanos, request); // 0 allocations once `request` and the scraper's
//                                            // buffers have grown to a scrape's size
//
// scrape() calls statvfs on the calling thread; the collector instead splits it into
// refresh_filesystems(), statvfs on its own threads with a timeout, and collect().
// Not thread-safe: one thread at a time.
class HostScraper {
 public:
  struct Deps {
    long user_hz = 0;         // 0: sysconf(_SC_CLK_TCK)
    StatvfsFunction statvfs;  // empty: statvfs(3)
    telemetry::Logger* logger = nullptr;
    std::string component = "host";  // for log lines
  };

  HostScraper(const HostConfig& config, const otlp::ResourceInfo& resource, Deps deps);
  HostScraper(const HostConfig& config, const otlp::ResourceInfo& resource);
  ~HostScraper();
  HostScraper(const HostScraper&) = delete;
  HostScraper& operator=(const HostScraper&) = delete;

  // One full scrape at `now_unix_nanos` (the points' time) into `out_request` (replaced).
  // Returns the number of data points written.
  std::uint64_t scrape(std::int64_t now_unix_nanos, std::string& out_request);

  // The statvfs function in use (the collector runs it on its own threads).
  const StatvfsFunction& statvfs() const { return statvfs_; }

  // The split form. The filesystem scraper, or nullptr when it is not enabled.
  FilesystemScraper* filesystem() { return filesystem_; }
  // Reads the mount table (false when it cannot be read).
  bool refresh_filesystems();
  // Everything but the statvfs calls, whose answers must be stored in filesystem()->mounts()
  // since refresh_filesystems().
  std::uint64_t collect(std::int64_t now_unix_nanos, std::string& out_request);

  // Names of the enabled scrapers in the order they run, and how many scrapes of each failed
  // (a source could not be read or parsed) so far.
  const std::vector<std::string_view>& scraper_names() const { return names_; }
  const std::vector<std::uint64_t>& failures() const { return failures_; }

 private:
  class Context;

  void note_result(std::size_t index, bool ok, const SourceError& error);
  int read_proc_stat();

  ProcFiles files_;
  MetricsEncoder encoder_;
  StatvfsFunction statvfs_;
  telemetry::Logger* logger_;
  std::string component_;
  std::vector<std::unique_ptr<Scraper>> scrapers_;
  std::vector<std::string_view> names_;
  std::vector<std::uint64_t> failures_;
  std::vector<SourceError> last_errors_;
  FilesystemScraper* filesystem_ = nullptr;
  CgroupScraper* cgroup_ = nullptr;
  bool cgroup_reported_ = false;
  // /proc/stat, shared by the cpu and system scrapers and read at most once per scrape.
  std::string proc_stat_text_;
  ProcStat proc_stat_;
  std::int64_t boot_unix_nanos_ = 0;
};

// The resource of host metrics (a serialized Resource): the agent's attributes.
std::string encode_resource(const otlp::ResourceInfo& resource);

}  // namespace vigil::collectors::host
