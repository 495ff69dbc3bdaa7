#pragma once

// Runs a real TailCollector on a real libuv loop (timers, thread pool, inotify) in front of a
// MemoryQueue that the test drains by hand, settling each batch's ticket itself: so a test
// decides when (and whether) a batch is acknowledged, and can look at the checkpoint between.

#include <sys/inotify.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <uv.h>

#include "agent/config/agent_config.h"
#include "agent/core/memory_queue.h"
#include "agent/core/router.h"
#include "agent/net/uv_scheduler.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/tail/checkpoint_store.h"
#include "collectors/tail/tail_collector.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "tests/unit/collectors/tail/tail_config_fixture.h"
#include "tests/unit/collectors/tail/tail_test_support.h"

namespace vigil::collectors::tail::tail_testing {

struct TakenLine {
  std::string body;
  std::string path;  // log.file.path
};

class CollectorHarness {
 public:
  explicit CollectorHarness(std::uint64_t queue_bytes = 64u << 20)
      : logger_({telemetry::LogLevel::kDebug}, clock_,
                [this](std::string_view line) { log_.emplace_back(line); }) {
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    scheduler_ = std::make_unique<net::UvScheduler>(&loop_);
    router_ = std::make_unique<core::Router>(metrics_, *scheduler_);
    queue_ = std::make_unique<core::MemoryQueue>("sink", queue_bytes, core::WhenFull::kBlock,
                                                 metrics_, logger_);
    router_->add_route(core::Route{"sink", queue_.get(), core::SignalSet::all(), {}});
    resource_.attributes = {{"host.name", "test-host"}};
    agent_.data_dir = dir.path() + "/data";
    logs = dir.path() + "/logs";
    std::filesystem::create_directories(logs);
    context_.loop = &loop_;
    context_.router = router_.get();
    context_.metrics = &metrics_;
    context_.logger = &logger_;
    context_.clock = &clock_;
    context_.scheduler = scheduler_.get();
    context_.resource = &resource_;
    context_.agent = &agent_;
  }

  ~CollectorHarness() {
    stop();
    collector.reset();
    held_.clear();
    router_->clear_routes();
    queue_.reset();
    router_.reset();
    // Let closes and pool work finish before the loop goes.
    for (int i = 0; i < 1000 && uv_loop_alive(&loop_) != 0; ++i) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    uv_loop_close(&loop_);
  }

  CollectorHarness(const CollectorHarness&) = delete;
  CollectorHarness& operator=(const CollectorHarness&) = delete;

  // Starts a collector named "t" from the body of a [[collectors.tail]] section.
  void start(const std::string& body) {
    TailConfigFixture fixture;
    auto& reader = fixture.load("name = \"t\"\n" + body);
    reader.mark_read("name");
    auto factory = tail_collector_factory();
    app::CollectorSpec spec;
    spec.identity = {"tail", "t", "tail/t", "collectors.tail[0]"};
    spec.config = factory.parse(reader);
    ASSERT_TRUE(fixture.errors().empty()) << fixture.errors().front();
    auto created = factory.create(spec, context_);
    ASSERT_TRUE(created.has_value()) << created.error().message;
    collector.reset(static_cast<TailCollector*>(created->release()));
    auto started = collector->start();
    ASSERT_TRUE(started.has_value()) << started.error().message;
    // Files created from here on appear after the first scan: read from their beginning.
    const double scans = metric("vigil_tail_scans_total");
    ASSERT_TRUE(run_until([&] { return metric("vigil_tail_scans_total") > scans; }));
  }

  void stop() {
    if (!collector) return;
    bool done = false;
    collector->stop([&] { done = true; });
    run_until([&] { return done; }, 10);
  }

  // Runs the loop until `predicate` holds; false after `seconds`.
  bool run_until(const std::function<bool()>& predicate, double seconds = 10) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<int>(seconds * 1000));
    while (!predicate()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  void run_for(std::chrono::milliseconds time) {
    const auto until = std::chrono::steady_clock::now() + time;
    run_until([&] { return std::chrono::steady_clock::now() >= until; }, 60);
  }

  // Takes every batch waiting in the queue; settles it delivered unless `hold`, in which case
  // it is kept (unsettled) until settle_held().
  std::vector<TakenLine> take(bool hold = false) {
    std::vector<TakenLine> lines;
    while (auto entry = queue_->take()) {
      opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
      EXPECT_TRUE(request.ParseFromString(entry->batch->payload));
      for (const auto& r : request.resource_logs(0).scope_logs(0).log_records()) {
        TakenLine line{r.body().string_value(), ""};
        for (const auto& kv : r.attributes()) {
          if (kv.key() == "log.file.path") line.path = kv.value().string_value();
        }
        lines.push_back(std::move(line));
      }
      if (hold) {
        held_.push_back(std::move(*entry));
      } else {
        entry->ticket.settle(core::Settlement::kDelivered);
        queue_->complete(entry->id);
      }
    }
    return lines;
  }
  // Runs until `count` lines were taken (settled as they come).
  std::vector<TakenLine> take_lines(std::size_t count, double seconds = 10) {
    std::vector<TakenLine> all;
    run_until(
        [&] {
          for (auto& l : take()) all.push_back(std::move(l));
          return all.size() >= count;
        },
        seconds);
    return all;
  }
  static std::vector<std::string> bodies(const std::vector<TakenLine>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines) out.push_back(l.body);
    return out;
  }

  std::vector<core::QueueEntry>& held() { return held_; }
  // Runs until at least `count` batches were taken and are held unsettled.
  bool hold_batches(std::size_t count) {
    return run_until([&] {
      take(/*hold=*/true);
      return held_.size() >= count;
    });
  }
  void settle(core::QueueEntry& entry, core::Settlement how) {
    entry.ticket.settle(how);
    queue_->complete(entry.id);
  }

  std::vector<CheckpointEntry> checkpoint() {
    CheckpointLoad load = load_checkpoint(collector->checkpoint_path());
    EXPECT_NE(load.status, CheckpointLoad::Status::kInvalid) << load.problem;
    return load.checkpoint.entries;
  }
  std::uint64_t checkpoint_offset(const std::string& path) {
    for (const auto& e : checkpoint()) {
      if (e.path == path) return e.offset;
    }
    return UINT64_MAX;
  }

  double metric(std::string_view name, std::string_view label = {}, std::string_view value = {}) {
    double total = 0;
    for (const auto& s : metrics_.collect()) {
      if (s.name != name) continue;
      bool match = label.empty();
      for (const auto& [k, v] : s.labels) match = match || (k == label && v == value);
      if (match) total += s.value;
    }
    return total;
  }
  void dump_log() const {
    for (const auto& l : log_) std::fprintf(stderr, "LOG %s\n", l.c_str());
  }
  bool logged(std::string_view text) const {
    for (const auto& l : log_) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }

  TempDir dir;
  std::string logs;  // where tests put their log files
  std::unique_ptr<TailCollector> collector;

 private:
  uv_loop_t loop_{};
  core::SystemClock clock_;
  telemetry::MetricsRegistry metrics_;
  std::vector<std::string> log_;
  telemetry::Logger logger_;
  std::unique_ptr<net::UvScheduler> scheduler_;
  std::unique_ptr<core::Router> router_;
  std::unique_ptr<core::MemoryQueue> queue_;
  std::vector<core::QueueEntry> held_;
  otlp::ResourceInfo resource_;
  config::AgentConfig agent_;
  app::ComponentContext context_;
};

}  // namespace vigil::collectors::tail::tail_testing
