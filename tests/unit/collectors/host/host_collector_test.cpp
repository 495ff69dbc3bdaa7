#include "collectors/host/host_collector.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>

#include "agent/core/memory_queue.h"
#include "agent/telemetry/logger.h"
#include "tests/unit/collectors/host/host_test_support.h"
#include "tests/unit/collectors/host/statvfs_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::collectors::host {
namespace {

using namespace std::chrono_literals;
using testing::BlockingStatvfs;
using testing::Decoded;
using testing::TestLoop;

constexpr std::int64_t kSecond = 1'000'000'000;
// FakeClock starts at 1'700'000'000 s, a multiple of 10 s.
constexpr std::int64_t kEpoch = 1'700'000'000 * kSecond;

// A real router and memory queue around the collector, a fake clock for its timers, and a
// real loop for the statvfs prober's notifications.
struct Harness {
  explicit Harness(std::uint64_t queue_bytes = 1 << 22) {
    queue = std::make_unique<core::MemoryQueue>("sink", queue_bytes, core::WhenFull::kBlock,
                                                metrics, logger);
    router.add_route(core::Route{"sink", queue.get(), core::SignalSet::all(), {}});
    resource.attributes = {{"host.name", "fixture-host"}, {"os.type", "linux"}};
    context.loop = loop.get();
    context.router = &router;
    context.metrics = &metrics;
    context.logger = &logger;
    context.clock = &clock;
    context.scheduler = &scheduler;
    context.resource = &resource;
  }
  ~Harness() { router.clear_routes(); }

  std::unique_ptr<HostCollector> create(HostConfig config, StatvfsFunction statvfs = {}) {
    app::CollectorSpec spec;
    spec.identity = {"host", "host", "host", "collectors.host"};
    HostScraper::Deps deps;
    deps.user_hz = 100;
    deps.statvfs = std::move(statvfs);
    return std::make_unique<HostCollector>(spec, std::move(config), context, std::move(deps));
  }

  // The next queued batch, decoded and completed (its space freed).
  std::optional<Decoded> take(core::Batch* copy = nullptr) {
    auto entry = queue->take();
    if (!entry) return std::nullopt;
    Decoded decoded(entry->batch->payload);
    if (copy) *copy = *entry->batch;
    entry->ticket.settle(core::Settlement::kDelivered);
    queue->complete(entry->id);
    scheduler.advance(core::Duration::zero());
    return decoded;
  }

  TestLoop loop;
  vigil::testing::FakeClock clock;
  vigil::testing::FakeScheduler scheduler{clock};
  telemetry::MetricsRegistry metrics;
  std::vector<std::string> log_lines;
  telemetry::Logger logger{telemetry::Logger::Options{}, clock,
                           [this](std::string_view line) { log_lines.emplace_back(line); }};
  core::Router router{metrics, scheduler};
  std::unique_ptr<core::MemoryQueue> queue;
  otlp::ResourceInfo resource;
  app::ComponentContext context;
};

HostConfig fixture_config(std::vector<std::string> scrapers) {
  HostConfig config;
  config.root_path = testing::host_data("root");
  config.scrapers = std::move(scrapers);
  return config;
}

TEST(HostCollector, ScrapesOnWallClockBoundaries) {
  Harness h;
  h.clock.set_unix_nanos(kEpoch + 3 * kSecond);
  auto collector = h.create(fixture_config({"cpu", "memory", "load"}));
  ASSERT_TRUE(collector->start().has_value());
  EXPECT_EQ(h.scheduler.next_delay(), 7s);
  h.scheduler.advance(7s - 1ns);
  EXPECT_EQ(h.queue->stats().batches, 0u);
  h.scheduler.advance(1ns);

  core::Batch batch;
  auto first = h.take(&batch);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(batch.signal, core::Signal::kMetrics);
  EXPECT_EQ(batch.source, "host");
  EXPECT_EQ(batch.items, first->points().size());
  EXPECT_DOUBLE_EQ(first->get("system.cpu.load_average.1m").value, 12.34);
  for (const auto& p : first->points()) {
    EXPECT_EQ(p.time, static_cast<std::uint64_t>(kEpoch + 10 * kSecond)) << p.metric;
  }
  EXPECT_EQ(
      h.metrics
          .counter("vigil_received_items_total", "", {{"component", "host"}, {"signal", "metrics"}})
          .value(),
      batch.items);

  // A timer that fires late still stamps its boundary.
  h.scheduler.advance(10s + 300ms);
  auto second = h.take();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->points().front().time, static_cast<std::uint64_t>(kEpoch + 20 * kSecond));
  EXPECT_EQ(h.scheduler.next_delay(), 10s - 300ms);
  collector->stop(nullptr);
}

TEST(HostCollector, AFullQueueSkipsTheScrapeAndCountsIt) {
  Harness probe;
  auto sizing = probe.create(fixture_config({"cpu", "memory", "system"}));
  ASSERT_TRUE(sizing->start().has_value());
  probe.scheduler.advance(10s);
  core::Batch one;
  ASSERT_TRUE(probe.take(&one).has_value());
  sizing->stop(nullptr);

  // Room for one batch, not two.
  Harness h(one.payload.size() + one.payload.size() / 2);
  auto collector = h.create(fixture_config({"cpu", "memory", "system"}));
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  EXPECT_EQ(h.queue->stats().batches, 1u);
  h.scheduler.advance(10s);  // refused: skipped, not held
  EXPECT_EQ(h.queue->stats().batches, 1u);
  EXPECT_EQ(collector->skipped_scrapes(), 1u);
  EXPECT_EQ(h.metrics.dropped_items("host", "blocked").value(), one.items);
  ASSERT_TRUE(h.take().has_value());
  h.scheduler.advance(10s);  // room again
  auto third = h.take();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->points().front().time, static_cast<std::uint64_t>(kEpoch + 30 * kSecond));
  EXPECT_EQ(collector->skipped_scrapes(), 1u);
  collector->stop(nullptr);
}

// A dead NFS mount: its statvfs never returns. The loop goes on, the scrape is reported at the
// timeout with device_error = 1 for that mount, later scrapes do not wait for it, and it is not
// asked again until the call returns.
TEST(HostCollector, AHungStatvfsNeverBlocksTheLoopOrLaterScrapes) {
  Harness h;
  auto fake = std::make_shared<BlockingStatvfs>();
  fake->block("/data dir");
  HostConfig config = fixture_config({"filesystem", "load"});
  config.statvfs_timeout = 2s;
  auto collector = h.create(config, BlockingStatvfs::function(fake));
  ASSERT_TRUE(collector->start().has_value());
  const std::map<std::string, std::string> data{
      {"device", "/dev/vigil data"}, {"type", "xfs"}, {"mountpoint", "/data dir"}};
  const std::map<std::string, std::string> root{
      {"device", "/dev/vigilroot"}, {"type", "ext4"}, {"mountpoint", "/"}};

  h.scheduler.advance(10s);  // the first scrape starts its statvfs round
  ASSERT_TRUE(h.loop.run_until([&] { return fake->blocked_now() == 1; }));
  ASSERT_TRUE(h.loop.run_until([&] { return collector->prober()->unanswered() == 1; }));
  EXPECT_EQ(h.queue->stats().batches, 0u);  // waiting for the hung call, but not blocked
  h.scheduler.advance(2s);                  // statvfs_timeout
  auto first = h.take();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->get("system.filesystem.device_error", data).int_value, 1);
  EXPECT_FALSE(first->has("system.filesystem.size", data));
  EXPECT_EQ(first->get("system.filesystem.device_error", root).int_value, 0);
  EXPECT_EQ(first->get("system.filesystem.size", root).int_value, 4096 * 1000);
  EXPECT_DOUBLE_EQ(first->get("system.cpu.load_average.5m").value, 5.67);
  EXPECT_EQ(first->points().front().time, static_cast<std::uint64_t>(kEpoch + 10 * kSecond));
  EXPECT_EQ(h.metrics.gauge("vigil_host_stuck_statvfs_calls", "", {{"component", "host"}}).value(),
            1.0);
  bool warned = false;
  for (const auto& line : h.log_lines) {
    warned = warned || line.find("did not return within 2s") != std::string::npos;
  }
  EXPECT_TRUE(warned);

  // The next scrape does not ask the stuck mount and completes without waiting for a timeout.
  h.scheduler.advance(8s);
  ASSERT_TRUE(h.loop.run_until([&] { return h.queue->stats().batches == 1; }));
  auto second = h.take();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->get("system.filesystem.device_error", data).int_value, 1);
  EXPECT_EQ(second->get("system.filesystem.device_error", root).int_value, 0);
  EXPECT_EQ(fake->calls("/data dir"), 1);

  // The call returns: the mount is asked again at the next scrape and reported.
  fake->release();
  ASSERT_TRUE(h.loop.run_until([&] { return collector->prober()->stuck_calls() == 0; }));
  h.scheduler.advance(10s);
  ASSERT_TRUE(h.loop.run_until([&] { return h.queue->stats().batches == 1; }));
  auto third = h.take();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->get("system.filesystem.device_error", data).int_value, 0);
  EXPECT_EQ(third->get("system.filesystem.size", data).int_value, 4096 * 1000);
  EXPECT_EQ(fake->calls("/data dir"), 2);
  EXPECT_EQ(h.metrics.gauge("vigil_host_stuck_statvfs_calls", "", {{"component", "host"}}).value(),
            0.0);
  collector->stop(nullptr);
}

TEST(HostCollector, StopsAndGoesAwayWhileAStatvfsHangs) {
  Harness h;
  auto fake = std::make_shared<BlockingStatvfs>();
  fake->block("/run/vigil");
  auto collector = h.create(fixture_config({"filesystem"}), BlockingStatvfs::function(fake));
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  ASSERT_TRUE(h.loop.run_until([&] { return fake->blocked_now() == 1; }));
  bool done = false;
  collector->stop([&] { done = true; });  // hands over the scrape it was waiting to finish
  EXPECT_TRUE(done);
  auto last = h.take();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->get("system.filesystem.device_error",
                      {{"device", "vigiltmp"}, {"type", "tmpfs"}, {"mountpoint", "/run/vigil"}})
                .int_value,
            1);
  collector.reset();
  // Nothing of the collector keeps the loop alive, though the call still hangs.
  EXPECT_EQ(uv_run(h.loop.get(), UV_RUN_NOWAIT), 0);
  EXPECT_EQ(fake->blocked_now(), 1);
  fake->release();
  ASSERT_TRUE(h.loop.run_until([&] { return fake->blocked_now() == 0; }));
}

TEST(HostCollector, FactoryReadsTheConfigAndNeedsALoopForFilesystems) {
  Harness h;
  auto factory = host_collector_factory();
  EXPECT_EQ(factory.kind, "host");
  auto table = toml::parse("interval = \"5s\"\nroot_path = \"" + testing::host_data("root") +
                           "\"\nscrapers = [\"load\"]\n");
  config::Diagnostics diagnostics;
  auto reader_context = std::make_shared<config::ReaderContext>();
  reader_context->file = "agent.toml";
  reader_context->diagnostics = &diagnostics;
  config::ConfigReader reader(reader_context, &table, "collectors.host");
  app::CollectorSpec spec;
  spec.identity = {"host", "host", "host", "collectors.host"};
  spec.config = factory.parse(reader);
  reader.finish();
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.joined();
  auto collector = factory.create(spec, h.context);
  ASSERT_TRUE(collector.has_value()) << collector.error().message;
  ASSERT_TRUE((*collector)->start().has_value());
  h.scheduler.advance(5s);
  auto batch = h.take();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->points().size(), 3u);
  (*collector)->stop(nullptr);

  app::CollectorSpec defaults;
  defaults.identity = spec.identity;
  h.context.loop = nullptr;
  auto refused = factory.create(defaults, h.context);
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("filesystem"), std::string::npos);
}

}  // namespace
}  // namespace vigil::collectors::host
