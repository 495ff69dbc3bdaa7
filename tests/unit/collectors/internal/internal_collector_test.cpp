#include "collectors/internal/internal_collector.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <map>

#include "agent/core/memory_queue.h"
#include "agent/telemetry/logger.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "tests/unit/support/fake_clock.h"
#include "vigil/version.h"

namespace vigil::collectors::internal {
namespace {

namespace pb = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;
// FakeClock starts at 1'700'000'000 s, a multiple of 10 s.
constexpr std::int64_t kEpoch = 1'700'000'000 * kSecond;

// A real router and memory queue around the collector, driven by a fake clock.
struct Harness {
  explicit Harness(std::uint64_t queue_bytes = 1 << 20) {
    queue = std::make_unique<core::MemoryQueue>("otlp", queue_bytes, core::WhenFull::kBlock,
                                                metrics, logger);
    router.add_route(core::Route{"otlp", queue.get(), core::SignalSet::all(), {}});
    resource.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}};
    context.router = &router;
    context.metrics = &metrics;
    context.logger = &logger;
    context.clock = &clock;
    context.scheduler = &scheduler;
    context.resource = &resource;
  }
  ~Harness() { router.clear_routes(); }

  std::unique_ptr<app::Collector> create(std::string_view toml_text = "") {
    auto table = toml::parse(toml_text);
    config::Diagnostics diagnostics;
    auto reader_context = std::make_shared<config::ReaderContext>();
    reader_context->file = "agent.toml";
    reader_context->diagnostics = &diagnostics;
    config::ConfigReader reader(reader_context, &table, "collectors.internal");
    auto factory = internal_collector_factory();
    app::CollectorSpec spec;
    spec.identity = {"internal", "internal", "internal", "collectors.internal"};
    spec.config = factory.parse(reader);
    reader.finish();
    EXPECT_TRUE(diagnostics.ok()) << diagnostics.errors().front();
    auto collector = factory.create(spec, context);
    EXPECT_TRUE(collector.has_value());
    return std::move(*collector);
  }

  // Takes the next queued batch, decodes it, and completes it (freeing its space); then the
  // loop turns once.
  std::optional<ExportMetricsServiceRequest> take(core::Batch* copy = nullptr) {
    auto entry = queue->take();
    if (!entry) return std::nullopt;
    ExportMetricsServiceRequest request;
    EXPECT_TRUE(request.ParseFromString(entry->batch->payload));
    if (copy) *copy = *entry->batch;
    entry->ticket.settle(core::Settlement::kDelivered);
    queue->complete(entry->id);
    scheduler.advance(core::Duration::zero());  // the router's space notification
    return request;
  }

  testing::FakeClock clock;
  testing::FakeScheduler scheduler{clock};
  telemetry::MetricsRegistry metrics;
  telemetry::Logger logger{telemetry::Logger::Options{}, clock, [](std::string_view) {}};
  core::Router router{metrics, scheduler};
  std::unique_ptr<core::MemoryQueue> queue;
  otlp::ResourceInfo resource;
  app::ComponentContext context;
};

const pb::Metric* find_metric(const ExportMetricsServiceRequest& request, std::string_view name) {
  for (const auto& metric : request.resource_metrics(0).scope_metrics(0).metrics()) {
    if (metric.name() == name) return &metric;
  }
  return nullptr;
}

// The point of `metric` whose attributes are exactly `labels`.
const pb::NumberDataPoint* find_point(const pb::Metric& metric,
                                      const std::map<std::string, std::string>& labels) {
  const auto& points = metric.has_sum() ? metric.sum().data_points() : metric.gauge().data_points();
  for (const auto& point : points) {
    std::map<std::string, std::string> got;
    for (const auto& kv : point.attributes()) got[kv.key()] = kv.value().string_value();
    if (got == labels) return &point;
  }
  return nullptr;
}

TEST(InternalCollector, EmitsRegistryAsOtlpAtAlignedTimes) {
  Harness h;
  h.clock.set_unix_nanos(kEpoch + 3 * kSecond);  // 3 s past a 10 s boundary
  h.metrics.counter("vigil_sent_items_total", "Items sent.", {{"component", "otlp"}}).add(42);
  h.metrics.counter("vigil_sent_bytes_total", "Bytes sent.", {{"component", "otlp"}}).add(4096);
  h.metrics.gauge("vigil_queue_bytes", "Bytes queued.", {{"component", "otlp"}}).set(12.5);
  h.metrics.gauge("process_cpu_seconds", "CPU.", {}).set(0.25);

  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  EXPECT_EQ(h.scheduler.next_delay(), 7s);
  h.scheduler.advance(7s - 1ns);
  EXPECT_EQ(h.queue->stats().batches, 0u);
  h.scheduler.advance(1ns);

  core::Batch batch;
  auto request = h.take(&batch);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(batch.signal, core::Signal::kMetrics);
  EXPECT_EQ(batch.source, "internal");

  ASSERT_EQ(request->resource_metrics_size(), 1);
  const auto& resource = request->resource_metrics(0).resource();
  ASSERT_EQ(resource.attributes_size(), 2);
  EXPECT_EQ(resource.attributes(0).key(), "host.name");
  EXPECT_EQ(resource.attributes(0).value().string_value(), "web-1");
  const auto& scope = request->resource_metrics(0).scope_metrics(0).scope();
  EXPECT_EQ(scope.name(), "vigil");
  EXPECT_EQ(scope.version(), vigil::kVersion);

  std::uint64_t points = 0;
  for (const auto& m : request->resource_metrics(0).scope_metrics(0).metrics()) {
    points += m.has_sum() ? m.sum().data_points_size() : m.gauge().data_points_size();
  }
  EXPECT_EQ(batch.items, points);

  const std::uint64_t boundary = kEpoch + 10 * kSecond;
  const auto* sent = find_metric(*request, "vigil_sent_items_total");
  ASSERT_NE(sent, nullptr);
  EXPECT_EQ(sent->description(), "Items sent.");
  EXPECT_EQ(sent->unit(), "1");
  ASSERT_TRUE(sent->has_sum());
  EXPECT_TRUE(sent->sum().is_monotonic());
  EXPECT_EQ(sent->sum().aggregation_temporality(), pb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  const auto* point = find_point(*sent, {{"component", "otlp"}});
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->as_double(), 42.0);
  EXPECT_EQ(point->time_unix_nano(), boundary);
  EXPECT_EQ(point->start_time_unix_nano(), static_cast<std::uint64_t>(kEpoch + 3 * kSecond));

  const auto* bytes = find_metric(*request, "vigil_sent_bytes_total");
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(bytes->unit(), "By");
  ASSERT_NE(find_point(*bytes, {{"component", "otlp"}}), nullptr);
  EXPECT_EQ(find_point(*bytes, {{"component", "otlp"}})->as_double(), 4096.0);

  const auto* queued = find_metric(*request, "vigil_queue_bytes");
  ASSERT_NE(queued, nullptr);
  ASSERT_TRUE(queued->has_gauge());
  EXPECT_EQ(queued->unit(), "By");
  const auto* gauge_point = find_point(*queued, {{"component", "otlp"}});
  ASSERT_NE(gauge_point, nullptr);
  EXPECT_EQ(gauge_point->as_double(), 12.5);
  EXPECT_EQ(gauge_point->time_unix_nano(), boundary);
  EXPECT_EQ(gauge_point->start_time_unix_nano(), 0u);

  const auto* cpu = find_metric(*request, "process_cpu_seconds");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->unit(), "s");

  // The collector's own counters are there too (still zero before the first batch).
  const auto* received = find_metric(*request, "vigil_received_items_total");
  ASSERT_NE(received, nullptr);
  ASSERT_NE(find_point(*received, {{"component", "internal"}, {"signal", "metrics"}}), nullptr);
  EXPECT_EQ(find_point(*received, {{"component", "internal"}, {"signal", "metrics"}})->as_double(),
            0.0);

  // Every interval after that, on the next boundary, with values read anew.
  h.metrics.counter("vigil_sent_items_total", "Items sent.", {{"component", "otlp"}}).add(8);
  EXPECT_EQ(h.scheduler.next_delay(), 10s);
  h.scheduler.advance(10s);
  auto second = h.take();
  ASSERT_TRUE(second.has_value());
  point = find_point(*find_metric(*second, "vigil_sent_items_total"), {{"component", "otlp"}});
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->as_double(), 50.0);
  EXPECT_EQ(point->time_unix_nano(), boundary + 10 * kSecond);
  EXPECT_EQ(point->start_time_unix_nano(), static_cast<std::uint64_t>(kEpoch + 3 * kSecond));
  received = find_metric(*second, "vigil_received_items_total");
  EXPECT_EQ(find_point(*received, {{"component", "internal"}, {"signal", "metrics"}})->as_double(),
            static_cast<double>(batch.items));
  EXPECT_EQ(h.take(), std::nullopt);
}

TEST(InternalCollector, SumsStartAtTheProcessStartWhenKnown) {
  Harness h;
  auto registration = h.metrics.gauge_callback("process_start_time_seconds", "Start.", {},
                                               [] { return 1'699'999'000.45; });
  h.metrics.counter("vigil_sent_items_total", "Items sent.", {{"component", "otlp"}}).add(1);
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  auto request = h.take();
  ASSERT_TRUE(request.has_value());
  const auto* point =
      find_point(*find_metric(*request, "vigil_sent_items_total"), {{"component", "otlp"}});
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->start_time_unix_nano(), 1'699'999'000'450'000'000u);
}

TEST(InternalCollector, ImplausibleProcessStartFallsBackToTheCollectorStart) {
  for (double bogus : {0.0, -5.0, 4e9 /* after now */, 1e300}) {
    Harness h;
    auto registration = h.metrics.gauge_callback("process_start_time_seconds", "Start.", {},
                                                 [bogus] { return bogus; });
    h.metrics.counter("vigil_sent_items_total", "Items sent.", {{"component", "otlp"}}).add(1);
    auto collector = h.create();
    ASSERT_TRUE(collector->start().has_value());
    h.scheduler.advance(10s);
    auto request = h.take();
    ASSERT_TRUE(request.has_value());
    const auto* point =
        find_point(*find_metric(*request, "vigil_sent_items_total"), {{"component", "otlp"}});
    ASSERT_NE(point, nullptr);
    EXPECT_EQ(point->start_time_unix_nano(), static_cast<std::uint64_t>(kEpoch)) << bogus;
  }
}

TEST(InternalCollector, HonoursTheConfiguredInterval) {
  Harness h;
  h.clock.set_unix_nanos(kEpoch + 61 * kSecond);
  auto collector = h.create("interval = \"30s\"");
  ASSERT_TRUE(collector->start().has_value());
  // Boundaries are multiples of 30 s since the Unix epoch: kEpoch + 40 s, + 70 s, + 100 s.
  EXPECT_EQ(h.scheduler.next_delay(), 9s);
  h.scheduler.advance(9s);
  auto request = h.take();
  ASSERT_TRUE(request.has_value());
  const auto* received = find_metric(*request, "vigil_received_items_total");
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(received->sum().data_points(0).time_unix_nano(),
            static_cast<std::uint64_t>(kEpoch + 70 * kSecond));
  EXPECT_EQ(h.scheduler.next_delay(), 30s);
  h.scheduler.advance(30s);
  request = h.take();
  ASSERT_TRUE(request.has_value());
  received = find_metric(*request, "vigil_received_items_total");
  EXPECT_EQ(received->sum().data_points(0).time_unix_nano(),
            static_cast<std::uint64_t>(kEpoch + 100 * kSecond));
}

TEST(InternalCollector, KeepsTheBoundaryWhenTheTimerFiresEarlyAndRealignsAfterAJump) {
  Harness h;
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  // The wall clock lags the timer by 2 ms: the point still belongs to the boundary.
  h.clock.set_unix_nanos(kEpoch - 2'000'000);
  h.scheduler.advance(10s);
  auto request = h.take();
  ASSERT_TRUE(request.has_value());
  auto time_of = [](const ExportMetricsServiceRequest& r) {
    return find_metric(r, "vigil_received_items_total")->sum().data_points(0).time_unix_nano();
  };
  EXPECT_EQ(time_of(*request), static_cast<std::uint64_t>(kEpoch + 10 * kSecond));

  // The wall clock jumps an hour ahead (a resumed VM): the next point takes the latest
  // boundary rather than a stale one, and the schedule follows it.
  h.clock.set_unix_nanos(h.clock.unix_nanos() + 3600 * kSecond + 4 * kSecond);
  h.scheduler.advance(h.scheduler.next_delay());
  request = h.take();
  ASSERT_TRUE(request.has_value());
  const std::uint64_t t = time_of(*request);
  EXPECT_EQ(t % (10 * kSecond), 0u);
  EXPECT_LE(t, static_cast<std::uint64_t>(h.clock.unix_nanos()));
  EXPECT_GT(t + 10 * kSecond, static_cast<std::uint64_t>(h.clock.unix_nanos()));
  EXPECT_EQ(static_cast<std::uint64_t>(h.clock.unix_nanos()) + h.scheduler.next_delay().count(),
            t + 10 * kSecond);
}

TEST(InternalCollector, BlockedIntervalIsSkippedAndCounted) {
  // One byte of room: the first batch gets into the empty queue, the next one blocks.
  Harness h(1);
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  EXPECT_EQ(h.queue->stats().batches, 1u);
  const std::uint64_t first_items = h.queue->stats().items;

  h.scheduler.advance(10s);  // blocked: skipped, not kept
  EXPECT_EQ(h.queue->stats().batches, 1u);
  auto& blocked = h.metrics.dropped_items("internal", "blocked");
  EXPECT_GT(blocked.value(), 0u);
  const std::uint64_t skipped = blocked.value();

  ASSERT_TRUE(h.take().has_value());  // frees the queue; nothing is replayed
  EXPECT_EQ(h.queue->stats().batches, 0u);

  h.scheduler.advance(10s);
  auto request = h.take();
  ASSERT_TRUE(request.has_value());
  const auto* dropped = find_metric(*request, "vigil_dropped_items_total");
  ASSERT_NE(dropped, nullptr);
  const auto* point = find_point(*dropped, {{"component", "internal"}, {"reason", "blocked"}});
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->as_double(), static_cast<double>(skipped));
  const auto* received = find_metric(*request, "vigil_received_items_total");
  EXPECT_EQ(find_point(*received, {{"component", "internal"}, {"signal", "metrics"}})->as_double(),
            static_cast<double>(first_items));
  EXPECT_EQ(point->time_unix_nano(), static_cast<std::uint64_t>(kEpoch + 30 * kSecond));
}

TEST(InternalCollector, AcknowledgementsAreCounted) {
  Harness h;
  auto collector = h.create();
  auto* internal = dynamic_cast<InternalCollector*>(collector.get());
  ASSERT_NE(internal, nullptr);
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(20s);  // two batches
  ASSERT_EQ(h.queue->stats().batches, 2u);
  EXPECT_EQ(internal->acks().safe, 0u);
  ASSERT_TRUE(h.take().has_value());  // delivered
  EXPECT_EQ(internal->acks().safe, 1u);
  const std::uint64_t waiting = h.queue->stats().items;
  EXPECT_EQ(h.queue->abandon_waiting(), waiting);  // abandoned at shutdown
  EXPECT_EQ(internal->acks().unsafe, 1u);
}

TEST(InternalCollector, StopCancelsTheTimer) {
  Harness h;
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  EXPECT_EQ(h.scheduler.pending(), 1u);
  bool done = false;
  collector->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(h.scheduler.pending(), 0u);
  h.scheduler.advance(60s);
  EXPECT_EQ(h.queue->stats().batches, 0u);
}

TEST(InternalCollector, AckAfterTheCollectorIsGoneIsHarmless) {
  Harness h;
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  collector->stop([] {});
  collector.reset();
  EXPECT_TRUE(h.take().has_value());
}

config::Diagnostics parse_errors(std::string_view toml_text) {
  auto table = toml::parse(toml_text);
  config::Diagnostics diagnostics;
  auto reader_context = std::make_shared<config::ReaderContext>();
  reader_context->file = "agent.toml";
  reader_context->diagnostics = &diagnostics;
  config::ConfigReader reader(reader_context, &table, "collectors.internal");
  auto config = internal_collector_factory().parse(reader);
  reader.finish();
  return diagnostics;
}

TEST(InternalCollector, ConfigValidation) {
  EXPECT_TRUE(parse_errors("").ok());
  EXPECT_TRUE(parse_errors("interval = \"1s\"").ok());
  EXPECT_FALSE(parse_errors("interval = \"500ms\"").ok());
  EXPECT_FALSE(parse_errors("interval = 10").ok());
  EXPECT_FALSE(parse_errors("intervall = \"10s\"").ok());
}

TEST(InternalCollector, CreateNeedsTheContext) {
  app::ComponentContext empty;
  app::CollectorSpec spec;
  spec.identity = {"internal", "internal", "internal", "collectors.internal"};
  EXPECT_FALSE(internal_collector_factory().create(spec, empty).has_value());
}

}  // namespace
}  // namespace vigil::collectors::internal
