#include "collectors/host/system_scraper.h"

#include "collectors/host/proc_stat_parser.h"
#include "collectors/host/system_parser.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kUptimeSource = "/proc/uptime";
constexpr std::string_view kFileNrSource = "/proc/sys/fs/file-nr";

constexpr MetricInfo kBootTime{"system.boot_time", "Boot time, seconds since the epoch.", "s",
                               MetricKind::kGauge};
constexpr MetricInfo kUptime{"system.uptime", "Seconds since boot.", "s", MetricKind::kGauge};
constexpr MetricInfo kContextSwitches{"system.context_switches", "Context switches.", "{switch}",
                                      MetricKind::kCounter};
constexpr MetricInfo kForks{"system.processes.created", "Processes and threads created.",
                            "{process}", MetricKind::kCounter};
constexpr MetricInfo kInterrupts{"system.interrupts", "Interrupts serviced.", "{interrupt}",
                                 MetricKind::kCounter};
constexpr MetricInfo kProcesses{"system.processes.count", "Processes running or blocked on I/O.",
                                "{process}", MetricKind::kUpDown};
constexpr MetricInfo kFilefdAllocated{"system.filefd.allocated", "Allocated file handles.",
                                      "{file}", MetricKind::kGauge};
constexpr MetricInfo kFilefdMaximum{"system.filefd.maximum", "Maximum file handles.", "{file}",
                                    MetricKind::kGauge};

}  // namespace

bool SystemScraper::scrape(ScrapeContext& context, SourceError& error) {
  const ScrapeTimes t = times(context);
  MetricsEncoder& encoder = context.encoder();
  bool ok = true;
  if (const ProcStat* stat = context.proc_stat(error); stat != nullptr) {
    encode_stat(*stat, encoder, t);
  } else {
    ok = false;
  }

  double uptime = 0;
  if (read_parsed(context, kUptimeSource, text_, error,
                  [&](std::string_view text) { return parse_uptime(text, uptime); })) {
    encode_single_double(encoder, kUptime, 0, t.now, uptime);
  } else {
    ok = false;
  }

  FileNr file_nr;
  if (read_parsed(context, kFileNrSource, text_, error,
                  [&](std::string_view text) { return parse_file_nr(text, file_nr); })) {
    encode_single_int(encoder, kFilefdAllocated, 0, t.now, file_nr.allocated);
    encode_single_int(encoder, kFilefdMaximum, 0, t.now, file_nr.maximum);
  } else {
    ok = false;
  }
  if (ok) done(t.now);
  return ok;
}

void SystemScraper::encode_stat(const ProcStat& stat, MetricsEncoder& encoder,
                                const ScrapeTimes& t) {
  if (stat.has(ProcStat::kBtime)) encode_single_int(encoder, kBootTime, 0, t.now, stat.btime);
  if (stat.has(ProcStat::kCtxt)) {
    encode_single_int(encoder, kContextSwitches, context_switches_.observe(stat.ctxt, t), t.now,
                      stat.ctxt);
  }
  if (stat.has(ProcStat::kProcesses)) {
    encode_single_int(encoder, kForks, forks_.observe(stat.processes, t), t.now, stat.processes);
  }
  if (stat.has(ProcStat::kIntr)) {
    encode_single_int(encoder, kInterrupts, interrupts_.observe(stat.intr, t), t.now, stat.intr);
  }
  encoder.begin_metric(kProcesses);
  if (stat.has(ProcStat::kProcsRunning)) {
    encoder.add_int({{"status", "running"}}, t.updown_start(), t.now,
                    static_cast<std::int64_t>(stat.procs_running));
  }
  if (stat.has(ProcStat::kProcsBlocked)) {
    encoder.add_int({{"status", "blocked"}}, t.updown_start(), t.now,
                    static_cast<std::int64_t>(stat.procs_blocked));
  }
  encoder.end_metric();
}

}  // namespace vigil::collectors::host
