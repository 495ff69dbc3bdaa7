#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/app/component.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/tail/ack_tracker.h"
#include "collectors/tail/checkpoint_store.h"
#include "collectors/tail/checkpoint_writer.h"
#include "collectors/tail/file_table.h"
#include "collectors/tail/inotify_watcher.h"
#include "collectors/tail/read_engine.h"
#include "collectors/tail/tail_config.h"
#include "collectors/tail/tail_metrics.h"

namespace vigil::collectors::tail {

// The `tail` collector (README.md in this folder): follows log files matched by globs through
// rotation, truncation and restarts, one OTLP LogRecord per line, and checkpoints a file's
// position only once the batch holding its lines is acknowledged safe.
//
// On the loop: discovery results, watch events, the read queue, offering batches, acks and
// checkpoints. On the thread pool: scans, and read jobs (one at a time) that read large chunks
// and encode records straight into the batch buffer. When the router refuses a batch
// (when_full = "block"), no further job starts until its space notification: the files are
// the buffer, memory stays flat.
class TailCollector final : public app::Collector {
 public:
  // `offload` runs work off the loop (default: libuv's thread pool).
  TailCollector(app::CollectorSpec spec, std::shared_ptr<const TailConfig> config,
                const app::ComponentContext& context, Offload offload = nullptr);
  ~TailCollector() override;
  TailCollector(const TailCollector&) = delete;
  TailCollector& operator=(const TailCollector&) = delete;

  core::Result<void> start() override;
  // Stops reading, hands the batch being built to the router, waits for a checkpoint write
  // under way, then calls `done`. Acknowledgements that arrive later still advance the
  // checkpoint (written at once from then on).
  void stop(std::function<void()> done) override;

  const std::string& checkpoint_path() const { return checkpoint_path_; }
  // For tests: the watcher (null when polling), to inject inotify events.
  InotifyWatcher* watcher() { return watcher_.get(); }

 private:
  struct Pending {
    core::BatchPtr batch;  // null for a marks-only batch
    std::vector<FileMark> marks;
  };
  struct Committed {
    std::uint64_t offset = 0;
    Fingerprint fingerprint;
    bool skipping = false;
  };

  // Discovery.
  void arm_scan_timer();
  void request_scan(core::Duration delay);
  void start_scan();
  void on_scan(const ScanResult& scan, const std::vector<RestoredPosition>& restore);
  void watch_directories(const std::vector<std::string>& dirs, bool& added);
  void on_watch_event(const std::string& dir, std::string_view name, std::uint32_t mask);
  void on_overflow();
  void on_poll();
  void enqueue(TrackedFile& file);
  void enqueue_all();
  // Reading.
  void pump();
  void housekeeping();
  void dispatch();
  void on_job_done(JobResult& result);
  void on_report(TrackedFile& file, const ReadReport& report, core::MonoTime now);
  void schedule_flush(bool needed);
  void schedule_deadlines();
  void on_deadline();
  void fall_back_to_polling(const std::string& why);
  // Delivery.
  void add_pending(SealedBatch batch);
  void offer_pending();
  void on_settled(std::uint64_t seq, const core::AckOutcome& outcome);
  std::string snapshot_checkpoint(std::uint64_t generation) const;
  // Stopping.
  void continue_stop();

  app::CollectorSpec spec_;
  std::shared_ptr<const TailConfig> config_;
  app::ComponentContext context_;
  Offload offload_;
  TailMetrics metrics_;
  std::string checkpoint_path_;
  std::shared_ptr<ReadEngine> engine_;
  FileTable table_;
  AckTracker tracker_;
  std::unique_ptr<CheckpointWriter> writer_;
  std::unique_ptr<InotifyWatcher> watcher_;
  std::vector<CheckpointEntry> previous_run_;  // for the first scan
  std::map<std::uint64_t, Committed> committed_;
  std::deque<std::uint64_t> ready_;
  std::deque<Pending> pending_;
  std::vector<telemetry::Registration> gauges_;

  bool running_ = false;
  bool stopping_ = false;
  bool polling_ = false;
  bool first_scan_done_ = false;
  bool scan_running_ = false;
  bool scan_wanted_ = false;
  bool job_running_ = false;
  bool flush_wanted_ = false;
  bool committed_changed_ = false;
  std::uint64_t space_listener_ = 0;
  std::function<void()> stop_done_;
  std::unique_ptr<core::TimerHandle> scan_timer_;
  std::unique_ptr<core::TimerHandle> rescan_timer_;
  std::unique_ptr<core::TimerHandle> poll_timer_;
  std::unique_ptr<core::TimerHandle> flush_timer_;
  std::unique_ptr<core::TimerHandle> deadline_timer_;
  core::MonoTime deadline_at_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Registered as `collectors.tail` in agent/components.cpp.
app::CollectorFactory tail_collector_factory();

}  // namespace vigil::collectors::tail
