#include "collectors/host/host_scraper.h"

#include <unistd.h>

#include <cstring>

#include "agent/otlp/resource.h"
#include "agent/telemetry/logger.h"
#include "collectors/host/cgroup_scraper.h"
#include "collectors/host/cpu_scraper.h"
#include "collectors/host/disk_scraper.h"
#include "collectors/host/load_scraper.h"
#include "collectors/host/memory_scraper.h"
#include "collectors/host/network_scraper.h"
#include "collectors/host/pressure_scraper.h"
#include "collectors/host/system_scraper.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "vigil/version.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kProcStat = "/proc/stat";
constexpr std::string_view kScopeName = "host";
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Patterns were checked when the configuration was read; one that fails here anyway excludes
// nothing rather than stopping the agent.
NameFilter filter(std::string_view pattern) {
  auto compiled = NameFilter::compile(pattern);
  return compiled ? std::move(*compiled) : NameFilter();
}

bool in_container(const otlp::ResourceInfo& resource) {
  for (const auto& [key, value] : resource.attributes) {
    if (key == "container.id" && !value.empty()) return true;
  }
  return false;
}

}  // namespace

std::string encode_resource(const otlp::ResourceInfo& resource) {
  opentelemetry::proto::resource::v1::Resource message;
  otlp::fill_resource(resource, &message);
  return message.SerializeAsString();
}

// Reads /proc/stat for the first scraper that asks, once per scrape.
class HostScraper::Context final : public ScrapeContext {
 public:
  // `proc_stat_rc`: the result of this scrape's read of /proc/stat if there was one, else -1.
  Context(HostScraper& owner, std::int64_t now, int proc_stat_rc)
      : ScrapeContext(owner.files_, owner.encoder_, now, owner.boot_unix_nanos_),
        owner_(owner),
        rc_(proc_stat_rc) {}

  const ProcStat* proc_stat(SourceError& error) override {
    if (rc_ < 0) rc_ = owner_.read_proc_stat();
    if (rc_ != 0) {
      error = {kProcStat, rc_};
      return nullptr;
    }
    return &owner_.proc_stat_;
  }

 private:
  HostScraper& owner_;
  int rc_;
};

HostScraper::HostScraper(const HostConfig& config, const otlp::ResourceInfo& resource)
    : HostScraper(config, resource, Deps{}) {}

HostScraper::HostScraper(const HostConfig& config, const otlp::ResourceInfo& resource, Deps deps)
    : files_(config.root_path),
      encoder_(encode_resource(resource), encode_scope(kScopeName, vigil::kVersion)),
      statvfs_(deps.statvfs ? std::move(deps.statvfs) : StatvfsFunction(system_statvfs)),
      logger_(deps.logger),
      component_(std::move(deps.component)) {
  const long user_hz = deps.user_hz > 0 ? deps.user_hz : ::sysconf(_SC_CLK_TCK);
  for (const std::string& name : config.scrapers) {
    std::unique_ptr<Scraper> scraper;
    if (name == "cpu") {
      scraper = std::make_unique<CpuScraper>(user_hz, config.cpu_utilization);
    } else if (name == "memory") {
      scraper = std::make_unique<MemoryScraper>();
    } else if (name == "disk") {
      scraper = std::make_unique<DiskScraper>(filter(config.disk_exclude));
    } else if (name == "filesystem") {
      auto fs = std::make_unique<FilesystemScraper>(filter(config.exclude_fstypes),
                                                    filter(config.exclude_mountpoints));
      filesystem_ = fs.get();
      scraper = std::move(fs);
    } else if (name == "network") {
      scraper = std::make_unique<NetworkScraper>(filter(config.network_exclude));
    } else if (name == "load") {
      scraper = std::make_unique<LoadScraper>();
    } else if (name == "system") {
      scraper = std::make_unique<SystemScraper>();
    } else if (name == "pressure") {
      scraper = std::make_unique<PressureScraper>();
    } else if (name == "cgroup") {
      auto cgroup = std::make_unique<CgroupScraper>(in_container(resource));
      cgroup_ = cgroup.get();
      scraper = std::move(cgroup);
    } else {
      continue;  // rejected by parse_host_config
    }
    names_.push_back(scraper->name());
    scrapers_.push_back(std::move(scraper));
  }
  failures_.assign(scrapers_.size(), 0);
  last_errors_.assign(scrapers_.size(), SourceError{});
}

HostScraper::~HostScraper() = default;

std::uint64_t HostScraper::scrape(std::int64_t now_unix_nanos, std::string& out_request) {
  if (filesystem_ != nullptr && refresh_filesystems()) filesystem_->probe_inline(statvfs_);
  return collect(now_unix_nanos, out_request);
}

bool HostScraper::refresh_filesystems() {
  if (filesystem_ == nullptr) return false;
  return filesystem_->refresh(files_);
}

int HostScraper::read_proc_stat() {
  const int rc = files_.read(kProcStat, proc_stat_text_);
  if (rc == 0) parse_proc_stat(proc_stat_text_, proc_stat_);
  return rc;
}

std::uint64_t HostScraper::collect(std::int64_t now_unix_nanos, std::string& out_request) {
  int proc_stat_rc = -1;
  if (boot_unix_nanos_ == 0) {
    // Counters present at the first scrape start at boot: read btime until it is known, even
    // when neither the cpu nor the system scraper is enabled. Read once, it stays the same for
    // every later start time (the kernel's btime moves a little with clock adjustments).
    proc_stat_rc = read_proc_stat();
    if (proc_stat_rc == 0 && proc_stat_.has(ProcStat::kBtime) && proc_stat_.btime > 0 &&
        proc_stat_.btime <= static_cast<std::uint64_t>(now_unix_nanos / kNanosPerSecond)) {
      boot_unix_nanos_ = static_cast<std::int64_t>(proc_stat_.btime) * kNanosPerSecond;
    }
  }
  Context context(*this, now_unix_nanos, proc_stat_rc);
  encoder_.begin_request();
  for (std::size_t i = 0; i < scrapers_.size(); ++i) {
    SourceError error;
    const bool ok = scrapers_[i]->scrape(context, error);
    note_result(i, ok, error);
  }
  if (cgroup_ != nullptr && !cgroup_reported_ &&
      cgroup_->state() == CgroupScraper::State::kNotApplicable) {
    cgroup_reported_ = true;
    if (logger_ != nullptr) {
      logger_->info(component_, "cgroup scraper: no container.* metrics: {}", cgroup_->reason());
    }
  }
  return encoder_.finish_request(out_request);
}

void HostScraper::note_result(std::size_t index, bool ok, const SourceError& error) {
  SourceError& last = last_errors_[index];
  if (ok) {
    if (!last.source.empty() && logger_ != nullptr) {
      logger_->info(component_, "{} scraper: {} can be read again", names_[index], last.source);
    }
    last = SourceError{};
    return;
  }
  ++failures_[index];
  if (error == last) return;  // logged when it began
  last = error;
  if (logger_ == nullptr) return;
  const std::string where = files_.root() + std::string(error.source);
  if (error.error != 0) {
    logger_->warn(component_,
                  "{} scraper: cannot read {}: {}; its metrics are left out until it "
                  "can",
                  names_[index], where, std::strerror(error.error));
  } else {
    logger_->warn(component_,
                  "{} scraper: {} does not have the expected format; its metrics "
                  "are left out until it has",
                  names_[index], where);
  }
}

}  // namespace vigil::collectors::host
