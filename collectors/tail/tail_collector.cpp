#include "collectors/tail/tail_collector.h"

#include <sys/inotify.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "agent/net/thread_pool.h"
#include "agent/otlp/resource.h"
#include "agent/telemetry/logger.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "vigil/version.h"

namespace vigil::collectors::tail {

namespace {

constexpr std::string_view kScopeName = "vigil.tail";
// Files per read job, and bytes a job reads (in read_buffer_size chunks) before the loop
// gets the batches: a job stays around a millisecond.
constexpr std::size_t kMaxTasksPerJob = 256;
constexpr std::size_t kChunksPerJob = 4;
// Bursts of directory events are answered by one scan.
constexpr core::Duration kScanDebounce = std::chrono::milliseconds(5);

std::string serialized_resource(const otlp::ResourceInfo& info) {
  opentelemetry::proto::resource::v1::Resource resource;
  otlp::fill_resource(info, &resource);
  return resource.SerializeAsString();
}

std::string serialized_scope() {
  opentelemetry::proto::common::v1::InstrumentationScope scope;
  scope.set_name(std::string(kScopeName));
  scope.set_version(vigil::kVersion);
  return scope.SerializeAsString();
}

}  // namespace

TailCollector::TailCollector(app::CollectorSpec spec, std::shared_ptr<const TailConfig> config,
                             const app::ComponentContext& context, Offload offload)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      context_(context),
      offload_(std::move(offload)),
      metrics_(*context.metrics, spec_.identity.id),
      checkpoint_path_(
          fmt::format("{}/tail/{}.checkpoint", context.agent->data_dir, spec_.identity.name)),
      engine_(std::make_shared<ReadEngine>(config_, serialized_resource(*context.resource),
                                           serialized_scope())),
      table_(config_),
      tracker_([this](const FileMark& mark) {
        committed_[mark.file_id] = Committed{mark.offset, mark.fingerprint, mark.skipping};
        committed_changed_ = true;
      }) {
  if (!offload_) {
    offload_ = [loop = context_.loop](std::function<void()> work, std::function<void()> done) {
      net::run_in_pool(loop, std::move(work), std::move(done));
    };
  }
  const telemetry::Labels labels{{"component", spec_.identity.id}};
  gauges_.push_back(context_.metrics->gauge_callback(
      "vigil_tail_files_tracked", "Files the tail collector follows (rotated ones included).",
      labels, [this] { return static_cast<double>(table_.files().size()); }));
  gauges_.push_back(context_.metrics->gauge_callback(
      "vigil_tail_files_open", "Descriptors the tail collector holds open.", labels,
      [this] { return static_cast<double>(table_.open_count()); }));
}

TailCollector::~TailCollector() {
  alive_.reset();
  if (space_listener_ != 0) context_.router->remove_space_listener(space_listener_);
  watcher_.reset();
  // Acknowledgements that arrived since the last write (written at once after stop(), so this
  // matters only for a collector destroyed without being stopped).
  if (writer_) writer_->flush_sync();
}

core::Result<void> TailCollector::start() {
  if (running_) return {};
  const std::string dir = checkpoint_path_.substr(0, checkpoint_path_.rfind('/'));
  if (auto made = make_directories(dir); !made) {
    return core::make_error(
        fmt::format("agent.data_dir: cannot hold checkpoints: {}", made.error().message));
  }
  CheckpointLoad load = load_checkpoint(checkpoint_path_);
  if (load.status == CheckpointLoad::Status::kInvalid) {
    context_.logger->error(spec_.identity.id,
                           "checkpoint unusable ({}); files are treated as first seen "
                           "(start_at = \"{}\")",
                           load.problem, config_->start_at == StartAt::kEnd ? "end" : "beginning");
    metrics_.checkpoint_error.add();
  }
  if (!load.note.empty()) {
    context_.logger->info(spec_.identity.id, "acknowledgement copy unusable ({}); using {}",
                          load.note, checkpoint_path_);
  }
  previous_run_ = std::move(load.checkpoint.entries);
  writer_ = std::make_unique<CheckpointWriter>(
      checkpoint_path_, load.checkpoint.generation, offload_,
      [this](std::uint64_t generation) { return snapshot_checkpoint(generation); },
      [this](const CheckpointWriter::Outcome& outcome) {
        if (outcome.ok) {
          metrics_.checkpoint_ok.add();
          return;
        }
        metrics_.checkpoint_error.add();
        context_.logger->error(spec_.identity.id, "checkpoint not written: {}", outcome.error);
      },
      context_.clock, context_.scheduler, config_->checkpoint_sync_interval);

  polling_ = config_->watch == WatchMode::kPoll;
  if (!polling_) {
    auto watcher = InotifyWatcher::create(
        context_.loop, {[this](const std::string& d, std::string_view name, std::uint32_t mask) {
                          on_watch_event(d, name, mask);
                        },
                        [this] { on_overflow(); }});
    if (watcher) {
      watcher_ = std::move(*watcher);
    } else {
      fall_back_to_polling(watcher.error().message);
    }
  }
  space_listener_ = context_.router->add_space_listener([this] { pump(); });
  running_ = true;
  start_scan();
  on_poll();  // arms the poll timer
  arm_scan_timer();
  return {};
}

void TailCollector::arm_scan_timer() {
  scan_timer_ = context_.scheduler->schedule(config_->scan_interval, [this] {
    request_scan(core::Duration::zero());
    enqueue_all();                             // the safety net under missed events
    if (writer_->dirty()) writer_->changed();  // a failed write is tried again
    pump();
    arm_scan_timer();
  });
}

void TailCollector::fall_back_to_polling(const std::string& why) {
  if (polling_) return;
  polling_ = true;
  watcher_.reset();
  context_.logger->warn(
      spec_.identity.id, "inotify unavailable ({}); polling every {} ms", why,
      std::chrono::duration_cast<std::chrono::milliseconds>(config_->poll_interval).count());
}

// ---- Discovery -----------------------------------------------------------------------------

void TailCollector::request_scan(core::Duration delay) {
  if (!running_) return;
  if (scan_running_) {
    scan_wanted_ = true;
    return;
  }
  if (rescan_timer_) return;
  rescan_timer_ = context_.scheduler->schedule(delay, [this] {
    rescan_timer_.reset();
    start_scan();
  });
}

void TailCollector::start_scan() {
  if (!running_ || scan_running_) return;
  scan_running_ = true;
  const bool initial = !first_scan_done_;
  struct Job {
    ScanResult scan;
    std::vector<RestoredPosition> restore;
  };
  auto job = std::make_shared<Job>();
  auto previous =
      initial ? std::make_shared<const std::vector<CheckpointEntry>>(std::move(previous_run_))
              : nullptr;
  offload_(
      [config = config_, job, previous] {
        job->scan = scan_files(config->paths, config->exclude);
        if (previous) {
          job->restore = restore_positions(job->scan.files, *previous, config->fingerprint_size,
                                           &read_file_fingerprint);
        }
      },
      [this, weak = std::weak_ptr<bool>(alive_), job, initial] {
        if (weak.expired()) return;
        scan_running_ = false;
        if (!running_) return;
        if (initial) {
          // Without a previous run every file is new; restore_positions returned kNew for all.
          job->restore.resize(job->scan.files.size());
        }
        on_scan(job->scan, job->restore);
      });
}

void TailCollector::on_scan(const ScanResult& scan, const std::vector<RestoredPosition>& restore) {
  metrics_.scans.add();
  const bool initial = !first_scan_done_;
  first_scan_done_ = true;
  for (const std::string& error : scan.errors) {
    context_.logger->warn(spec_.identity.id, "cannot read directory {}", error);
  }
  const core::MonoTime now = context_.clock->monotonic();
  const ScanChanges changes = table_.apply_scan(scan, now, initial ? &restore : nullptr);
  for (std::uint64_t id : changes.added) {
    TrackedFile& file = *table_.find(id);
    // Known at once, before anything is read: a file first seen at its end is resumed there
    // after a restart, not treated as first seen again.
    committed_[id] = Committed{file.cursor->read_offset, file.cursor->fingerprint,
                               file.cursor->committed_skipping};
    committed_changed_ = true;
    context_.logger->debug(spec_.identity.id, "following {} from offset {}", file.path,
                           file.cursor->read_offset);
    enqueue(file);
  }
  for (std::uint64_t id : changes.renamed) {
    TrackedFile& file = *table_.find(id);
    context_.logger->info(spec_.identity.id, "{} is now followed as {}", id, file.path);
    enqueue(file);
  }
  for (std::uint64_t id : changes.rotated) {
    TrackedFile& file = *table_.find(id);
    metrics_.rotations.add();
    context_.logger->info(spec_.identity.id,
                          "{} was rotated, replaced or deleted: reading the old file to its end "
                          "for rotate_wait",
                          file.path);
    enqueue(file);
  }
  if (changes.truncated_while_down > 0 || changes.replaced_while_down > 0) {
    metrics_.truncations.add(changes.truncated_while_down);
    metrics_.rotations.add(changes.replaced_while_down);
    context_.logger->info(spec_.identity.id,
                          "since the last run: {} file(s) truncated, {} replaced; read from "
                          "their beginning",
                          changes.truncated_while_down, changes.replaced_while_down);
  }
  if (committed_changed_) {
    committed_changed_ = false;
    writer_->changed();
  }
  bool added = false;
  watch_directories(scan.directories, added);
  // A file created between the scan and its directory's new watch has no event: look again.
  if (added || scan_wanted_) {
    scan_wanted_ = false;
    request_scan(kScanDebounce);
  }
  schedule_deadlines();
  pump();
}

void TailCollector::watch_directories(const std::vector<std::string>& dirs, bool& added) {
  if (!watcher_) return;
  const std::size_t before = watcher_->size();
  for (const std::string& dir : dirs) {
    if (auto watched = watcher_->watch(dir); !watched) {
      fall_back_to_polling(watched.error().message);
      return;
    }
  }
  added = watcher_->size() > before;
  watcher_->retain(dirs);
}

void TailCollector::on_watch_event(const std::string& dir, std::string_view name,
                                   std::uint32_t mask) {
  if (name.empty() || (mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) != 0) {
    request_scan(kScanDebounce);
  }
  if (name.empty()) return;
  std::string path = dir;
  if (!path.ends_with('/')) path += '/';
  path += name;
  if (TrackedFile* file = table_.find_path(path)) {
    enqueue(*file);
    pump();
    return;
  }
  if ((mask & IN_MODIFY) != 0) {
    // Data in a matching file that is not followed yet (its creation went unseen).
    const bool wanted = std::any_of(config_->paths.begin(), config_->paths.end(),
                                    [&](const GlobPattern& p) { return p.matches(path); });
    if (wanted) request_scan(kScanDebounce);
  }
}

void TailCollector::on_overflow() {
  metrics_.overflows.add();
  context_.logger->warn(spec_.identity.id,
                        "inotify queue overflow: events were lost; rescanning every file");
  request_scan(core::Duration::zero());
  enqueue_all();
  pump();
}

void TailCollector::on_poll() {
  if (!running_) return;
  // Polling watches everything; with inotify only rotated files need it (renamed out of the
  // patterns, their events name paths nobody follows).
  for (auto& [id, file] : table_.files()) {
    if (polling_ || file->state == TrackedFile::State::kRotated) enqueue(*file);
  }
  pump();
  poll_timer_ = context_.scheduler->schedule(config_->poll_interval, [this] { on_poll(); });
}

void TailCollector::enqueue(TrackedFile& file) {
  if (file.queued || file.state == TrackedFile::State::kRetired) return;
  file.queued = true;
  ready_.push_back(file.id);
}

void TailCollector::enqueue_all() {
  for (auto& [id, file] : table_.files()) enqueue(*file);
}

// ---- Reading -------------------------------------------------------------------------------

void TailCollector::pump() {
  if (job_running_) return;  // its completion pumps again
  housekeeping();
  if (flush_wanted_) {
    flush_wanted_ = false;
    if (auto batch = engine_->seal_open()) add_pending(std::move(*batch));
  }
  if (stopping_) {
    continue_stop();
    return;
  }
  offer_pending();
  // Back-pressure: while the router refuses, nothing more is read.
  if (!pending_.empty() || !running_) return;
  dispatch();
}

void TailCollector::housekeeping() {
  const core::MonoTime now = context_.clock->monotonic();
  std::vector<std::uint64_t> forget;
  for (auto& [id, file] : table_.files()) {
    if (file->state == TrackedFile::State::kRetired) {
      if (file->open) {
        file->cursor->fd.reset();
        file->open = false;
      }
      if (!tracker_.references(id)) forget.push_back(id);
      continue;
    }
    if (file->state == TrackedFile::State::kRotated && !file->finishing &&
        now >= file->rotated_at + config_->rotate_wait) {
      file->finishing = true;  // one last read to the end, then close
      enqueue(*file);
    }
  }
  for (std::uint64_t id : forget) {
    table_.erase(id);
    if (committed_.erase(id) > 0) committed_changed_ = true;
  }
  // A forgotten file's last batch may still have been waiting (blocked, or being built) and
  // committed it again since: it has nothing to resume.
  std::erase_if(committed_, [this](const auto& entry) {
    return table_.find(entry.first) == nullptr && !tracker_.references(entry.first);
  });
  if (committed_changed_ && writer_) {
    committed_changed_ = false;
    writer_->changed();
  }
}

void TailCollector::dispatch() {
  if (ready_.empty()) return;
  auto tasks = std::make_shared<std::vector<ReadTask>>();
  std::vector<TrackedFile*> closed;
  while (!ready_.empty() && tasks->size() < kMaxTasksPerJob) {
    TrackedFile* file = table_.find(ready_.front());
    ready_.pop_front();
    if (file == nullptr || !file->queued) continue;
    file->queued = false;
    file->in_job = true;
    tasks->push_back(ReadTask{file->cursor, file->labels, file->path, true, file->finishing,
                              file->multiline_due});
    if (!file->open) closed.push_back(file);
  }
  if (tasks->empty()) return;
  // max_open_files: close the least recently active idle files to make room; files that still
  // find no room are only stat'ed (and retried) this time.
  for (TrackedFile* idle : table_.eviction_candidates(closed.size())) {
    idle->cursor->fd.reset();
    idle->open = false;
  }
  const auto limit = static_cast<std::size_t>(config_->max_open_files);
  std::size_t open = table_.open_count();
  for (std::size_t i = 0; i < tasks->size(); ++i) {
    ReadTask& task = (*tasks)[i];
    if (task.cursor->fd.valid()) continue;
    task.may_open = open < limit;
    if (task.may_open) ++open;
  }
  const bool progress = std::any_of(tasks->begin(), tasks->end(), [](const ReadTask& t) {
    return t.may_open || t.cursor->fd.valid();
  });
  if (!progress) {
    // Every descriptor is held by files that cannot be closed yet (being read, rotated,
    // holding a multiline event): wait for one to free up (the next poll, event or job)
    // instead of spinning on stats.
    for (ReadTask& task : *tasks) {
      TrackedFile* file = table_.find(task.cursor->id);
      file->in_job = false;
      enqueue(*file);
    }
    return;
  }
  job_running_ = true;
  const ReadTime now{context_.clock->unix_nanos(), context_.clock->monotonic()};
  const std::size_t budget = kChunksPerJob * config_->effective_read_buffer();
  auto result = std::make_shared<JobResult>();
  offload_([engine = engine_, tasks, now, budget,
            result] { *result = engine->run(*tasks, now, budget); },
           [this, weak = std::weak_ptr<bool>(alive_), result] {
             if (weak.expired()) return;
             on_job_done(*result);
           });
}

void TailCollector::on_job_done(JobResult& result) {
  job_running_ = false;
  metrics_.add(result.stats);
  const core::MonoTime now = context_.clock->monotonic();
  for (const ReadReport& report : result.reports) {
    if (TrackedFile* file = table_.find(report.file_id)) on_report(*file, report, now);
  }
  for (SealedBatch& batch : result.batches) add_pending(std::move(batch));
  schedule_flush(result.open_records > 0 || result.open_marks);
  schedule_deadlines();
  pump();
}

void TailCollector::on_report(TrackedFile& file, const ReadReport& report, core::MonoTime now) {
  using Status = ReadReport::Status;
  file.in_job = false;
  file.multiline_due = false;
  if (report.opened) file.open = true;
  if (report.opened || report.bytes > 0) file.last_active = now;
  file.multiline_deadline = report.multiline_deadline;
  if (report.truncated) {
    context_.logger->info(spec_.identity.id, "{} was truncated: reading it from the beginning",
                          file.path);
  }
  if (file.state == TrackedFile::State::kRetired) return;
  switch (report.status) {
    case Status::kNotVisited:
    case Status::kMore:
      enqueue(file);
      break;
    case Status::kEof:
      if (file.finishing) {
        context_.logger->debug(spec_.identity.id, "closing {} (read to its end)", file.path);
        table_.retire(file);
      } else if (report.deleted) {
        // Deleted: one last read emits a final line without newline, then it closes.
        file.deleted = true;
        file.finishing = true;
        if (file.state == TrackedFile::State::kActive) {
          table_.mark_rotated(file, now);
          metrics_.rotations.add();
          request_scan(kScanDebounce);
        }
        enqueue(file);
      }
      break;
    case Status::kUnchanged:
      break;
    case Status::kGone:
    case Status::kReplaced:
      // Closed (idle) and its path now holds nothing or another file; a reused inode lands
      // here too. The scan follows whatever the path holds now, from its beginning.
      table_.retire(file);
      request_scan(kScanDebounce);
      break;
    case Status::kError:
      metrics_.file_errors.add();
      context_.logger->warn(spec_.identity.id, "{} (retried at the next scan)", report.error);
      break;
  }
}

void TailCollector::schedule_flush(bool needed) {
  if (!needed || flush_timer_) return;
  flush_timer_ = context_.scheduler->schedule(config_->flush_interval, [this] {
    flush_timer_.reset();
    flush_wanted_ = true;
    pump();
  });
}

void TailCollector::schedule_deadlines() {
  std::optional<core::MonoTime> next;
  for (const auto& [id, file] : table_.files()) {
    std::optional<core::MonoTime> due = file->multiline_deadline;
    if (file->state == TrackedFile::State::kRotated && !file->finishing) {
      const core::MonoTime rotate = file->rotated_at + config_->rotate_wait;
      if (!due || rotate < *due) due = rotate;
    }
    if (due && (!next || *due < *next)) next = due;
  }
  if (!next || !running_) {
    deadline_timer_.reset();
    return;
  }
  if (deadline_timer_ && deadline_at_ <= *next) return;
  deadline_at_ = *next;
  // At least 1 ms: a deadline already past is handled at the next turn of the loop (a timer
  // re-armed with no delay from its own callback runs again in the same turn, for ever, in
  // libuv 1.44).
  const core::Duration delay =
      std::max<core::Duration>(std::chrono::milliseconds(1), *next - context_.clock->monotonic());
  deadline_timer_ = context_.scheduler->schedule(delay, [this] { on_deadline(); });
}

void TailCollector::on_deadline() {
  deadline_timer_.reset();
  const core::MonoTime now = context_.clock->monotonic();
  for (auto& [id, file] : table_.files()) {
    if (file->multiline_deadline && *file->multiline_deadline <= now) {
      file->multiline_deadline.reset();
      file->multiline_due = true;
      enqueue(*file);
    }
  }
  // A read job in flight: its completion pumps (rotate_wait deadlines become final reads in
  // housekeeping) and schedules the deadlines again.
  if (job_running_) return;
  pump();  // housekeeping() turns rotate_wait deadlines into final reads
  schedule_deadlines();
}

// ---- Delivery ------------------------------------------------------------------------------

void TailCollector::add_pending(SealedBatch sealed) {
  Pending pending;
  pending.marks = std::move(sealed.marks);
  if (sealed.records > 0) {
    auto batch = std::make_shared<core::Batch>();
    batch->signal = core::Signal::kLogs;
    batch->payload = std::move(sealed.payload);
    batch->items = sealed.records;
    batch->source = spec_.identity.id;
    pending.batch = std::move(batch);
  }
  pending_.push_back(std::move(pending));
}

void TailCollector::offer_pending() {
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    const std::uint64_t seq = tracker_.add(std::move(front.marks));
    if (front.batch == nullptr) {
      // Positions without records (a truncation seen, a cut line skipped): they follow the
      // batches before them.
      pending_.pop_front();
      tracker_.settle(seq, true);
      continue;
    }
    const std::uint64_t items = front.batch->items;
    const auto result = context_.router->offer(
        front.batch, [this, weak = std::weak_ptr<bool>(alive_), seq](const core::AckOutcome& o) {
          if (!weak.expired()) on_settled(seq, o);
        });
    if (result == core::OfferResult::kBlocked) {
      front.marks = tracker_.cancel_last();
      return;  // the space listener pumps again
    }
    metrics_.received.add(items);
    pending_.pop_front();
  }
  if (committed_changed_) {
    committed_changed_ = false;
    writer_->changed();
  }
}

void TailCollector::on_settled(std::uint64_t seq, const core::AckOutcome& outcome) {
  const bool was_stalled = tracker_.stalled();
  tracker_.settle(seq, outcome.safe());
  if (!was_stalled && tracker_.stalled()) {
    context_.logger->warn(spec_.identity.id,
                          "a batch was not delivered before its exporter stopped: positions stay "
                          "where they are, and its lines are read again at the next start");
  }
  if (committed_changed_) {
    committed_changed_ = false;
    writer_->changed();
  }
}

std::string TailCollector::snapshot_checkpoint(std::uint64_t generation) const {
  std::vector<CheckpointEntry> entries;
  entries.reserve(committed_.size());
  for (const auto& [id, c] : committed_) {
    auto it = table_.files().find(id);
    if (it == table_.files().end()) continue;
    const TrackedFile& file = *it->second;
    entries.push_back(
        CheckpointEntry{file.path, file.identity, c.fingerprint, c.offset, c.skipping});
  }
  return encode_checkpoint(generation, entries);
}

// ---- Stopping ------------------------------------------------------------------------------

void TailCollector::stop(std::function<void()> done) {
  if (!running_) {
    if (done) done();
    return;
  }
  running_ = false;
  stopping_ = true;
  stop_done_ = std::move(done);
  scan_timer_.reset();
  rescan_timer_.reset();
  poll_timer_.reset();
  flush_timer_.reset();
  deadline_timer_.reset();
  watcher_.reset();
  flush_wanted_ = true;  // hand the batch being built to the router
  pump();                // after a job under way completes, if one is
}

void TailCollector::continue_stop() {
  stopping_ = false;
  offer_pending();
  if (!pending_.empty()) {
    std::uint64_t records = 0;
    for (const Pending& p : pending_) records += p.batch ? p.batch->items : 0;
    // Not lost: never acknowledged, so the checkpoint is behind them and the next start reads
    // them again.
    context_.logger->info(spec_.identity.id,
                          "stopped with {} record(s) the router did not take; they are read "
                          "again from the checkpoint at the next start",
                          records);
    pending_.clear();
  }
  if (space_listener_ != 0) context_.router->remove_space_listener(space_listener_);
  space_listener_ = 0;
  for (auto& [id, file] : table_.files()) {
    file->cursor->fd.reset();
    file->open = false;
  }
  writer_->stop([this, weak = std::weak_ptr<bool>(alive_)] {
    if (weak.expired()) return;
    if (auto done = std::exchange(stop_done_, nullptr)) done();
  });
}

app::CollectorFactory tail_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "tail";
  factory.description = "follows log files (globs, rotation, checkpoints after delivery)";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_tail_config(reader);
  };
  factory.create =
      [](const app::CollectorSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Collector>> {
    if (context.loop == nullptr || context.router == nullptr || context.metrics == nullptr ||
        context.logger == nullptr || context.clock == nullptr || context.scheduler == nullptr ||
        context.resource == nullptr || context.agent == nullptr) {
      return core::make_error(spec.identity.id +
                              ": needs a loop, a router, metrics, a logger, a clock, a scheduler, "
                              "a resource and the agent config");
    }
    auto config = std::dynamic_pointer_cast<const TailConfig>(spec.config);
    if (config == nullptr) return core::make_error(spec.identity.id + ": not a tail config");
    return std::make_unique<TailCollector>(spec, std::move(config), context);
  };
  return factory;
}

}  // namespace vigil::collectors::tail
