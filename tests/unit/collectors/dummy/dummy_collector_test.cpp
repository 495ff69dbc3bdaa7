#include "collectors/dummy/dummy_collector.h"

#include <gtest/gtest.h>

#include <toml++/toml.h>
#include <set>

#include "agent/core/memory_queue.h"
#include "agent/telemetry/logger.h"
#include "collectors/dummy/dummy_payload.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::collectors::dummy {
namespace {

namespace logs = opentelemetry::proto::logs::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using namespace std::chrono_literals;

constexpr std::uint64_t kStart = 1'700'000'000'000'000'000;

struct Harness {
  explicit Harness(std::uint64_t queue_bytes = 64 << 20) {
    queue = std::make_unique<core::MemoryQueue>("otlp", queue_bytes, core::WhenFull::kBlock,
                                                registry, logger);
    router.add_route(core::Route{"otlp", queue.get(), core::SignalSet::all(), {}});
    resource.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}};
    context.router = &router;
    context.metrics = &registry;
    context.logger = &logger;
    context.clock = &clock;
    context.scheduler = &scheduler;
    context.resource = &resource;
  }
  ~Harness() { router.clear_routes(); }

  std::unique_ptr<app::Collector> create(std::string_view toml_text = "",
                                         std::string id = "dummy") {
    auto table = toml::parse(toml_text);
    config::Diagnostics diagnostics;
    auto reader_context = std::make_shared<config::ReaderContext>();
    reader_context->file = "agent.toml";
    reader_context->diagnostics = &diagnostics;
    config::ConfigReader reader(reader_context, &table, "collectors.dummy");
    auto factory = dummy_collector_factory();
    app::CollectorSpec spec;
    spec.identity = {"dummy", id == "dummy" ? "dummy" : id.substr(6), id, "collectors.dummy"};
    spec.config = factory.parse(reader);
    reader.finish();
    EXPECT_TRUE(diagnostics.ok()) << diagnostics.errors().front();
    auto collector = factory.create(spec, context);
    EXPECT_TRUE(collector.has_value());
    return std::move(*collector);
  }

  // The next queued batch, completed so its space is free again; then the loop turns once,
  // delivering the router's space notification (which may let a blocked batch in).
  std::optional<core::Batch> take() {
    auto entry = queue->take();
    if (!entry) return std::nullopt;
    core::Batch copy = *entry->batch;
    entry->ticket.settle(core::Settlement::kDelivered);
    queue->complete(entry->id);
    scheduler.advance(core::Duration::zero());
    return copy;
  }

  std::vector<core::Batch> take_all() {
    std::vector<core::Batch> out;
    while (auto batch = take()) out.push_back(std::move(*batch));
    return out;
  }

  std::uint64_t received(std::string_view signal, std::string id = "dummy") {
    return registry
        .counter("vigil_received_items_total", "",
                 {{"component", id}, {"signal", std::string(signal)}})
        .value();
  }

  testing::FakeClock clock;
  testing::FakeScheduler scheduler{clock};
  telemetry::MetricsRegistry registry;
  telemetry::Logger logger{telemetry::Logger::Options{}, clock, [](std::string_view) {}};
  core::Router router{registry, scheduler};
  std::unique_ptr<core::MemoryQueue> queue;
  otlp::ResourceInfo resource;
  app::ComponentContext context;
};

ExportLogsServiceRequest decode_logs(const core::Batch& batch) {
  ExportLogsServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(batch.payload));
  return request;
}

const logs::ScopeLogs& scope_logs(const ExportLogsServiceRequest& request) {
  return request.resource_logs(0).scope_logs(0);
}

std::int64_t seq_of(
    const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>&
        attributes) {
  for (const auto& kv : attributes) {
    if (kv.key() == "dummy.seq") return kv.value().int_value();
  }
  ADD_FAILURE() << "no dummy.seq";
  return -1;
}

std::vector<std::int64_t> log_seqs(const core::Batch& batch) {
  std::vector<std::int64_t> out;
  const auto request = decode_logs(batch);
  for (const auto& record : scope_logs(request).log_records()) {
    out.push_back(seq_of(record.attributes()));
  }
  return out;
}

TEST(DummyCollector, DefaultsOneLogRecordPerSecond) {
  Harness h;
  auto collector = h.create();
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(0s);
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].signal, core::Signal::kLogs);
  EXPECT_EQ(batches[0].source, "dummy");
  EXPECT_EQ(batches[0].items, 1u);

  auto request = decode_logs(batches[0]);
  ASSERT_EQ(request.resource_logs_size(), 1);
  const auto& resource = request.resource_logs(0).resource();
  ASSERT_EQ(resource.attributes_size(), 2);
  EXPECT_EQ(resource.attributes(0).key(), "host.name");
  EXPECT_EQ(resource.attributes(0).value().string_value(), "web-1");
  EXPECT_EQ(scope_logs(request).scope().name(), "vigil.dummy");
  ASSERT_EQ(scope_logs(request).log_records_size(), 1);
  const auto& record = scope_logs(request).log_records(0);
  EXPECT_EQ(record.body().string_value(), "dummy");
  EXPECT_EQ(record.severity_number(), logs::SEVERITY_NUMBER_INFO);
  EXPECT_EQ(record.severity_text(), "INFO");
  EXPECT_EQ(record.time_unix_nano(), kStart);
  EXPECT_EQ(record.observed_time_unix_nano(), kStart);
  ASSERT_EQ(record.attributes_size(), 1);
  EXPECT_EQ(record.attributes(0).key(), "dummy.seq");
  EXPECT_EQ(record.attributes(0).value().int_value(), 0);

  h.scheduler.advance(999ms);
  EXPECT_TRUE(h.take_all().empty());
  h.scheduler.advance(1ms);
  batches = h.take_all();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(log_seqs(batches[0]), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(scope_logs(decode_logs(batches[0])).log_records(0).time_unix_nano(),
            kStart + 1'000'000'000);
  EXPECT_EQ(h.received("logs"), 2u);
}

TEST(DummyCollector, RateAndBatchSize) {
  Harness h;
  auto collector = h.create("rate = 100\nbatch_size = 10\nbody = \"hello\"");
  ASSERT_TRUE(collector->start().has_value());
  // A batch is due when its last record is: 90 ms, 190 ms, ... 990 ms.
  h.scheduler.advance(89ms);
  EXPECT_TRUE(h.take_all().empty());
  h.scheduler.advance(1s - 89ms);
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 10u);
  std::int64_t expected_seq = 0;
  for (std::size_t k = 0; k < batches.size(); ++k) {
    EXPECT_EQ(batches[k].items, 10u);
    auto request = decode_logs(batches[k]);
    for (const auto& record : scope_logs(request).log_records()) {
      EXPECT_EQ(record.body().string_value(), "hello");
      EXPECT_EQ(record.time_unix_nano(), kStart + 90'000'000 + k * 100'000'000);
      EXPECT_EQ(seq_of(record.attributes()), expected_seq++);
    }
  }
  EXPECT_EQ(h.received("logs"), 100u);
}

TEST(DummyCollector, DefaultBatchSizeIsCappedAtAThousand) {
  Harness h;
  auto collector = h.create("rate = 5000");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(1s);
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 5u);
  for (const auto& batch : batches) EXPECT_EQ(batch.items, 1000u);
}

TEST(DummyCollector, RateZeroGoesAsFastAsTheQueueTakes) {
  Harness h;
  auto collector = h.create("rate = 0\ncount = 3500");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(0s);  // no pacing: every batch at once
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].items, 1000u);
  EXPECT_EQ(batches[3].items, 500u);
  EXPECT_EQ(h.scheduler.pending(), 0u);

  // Unlimited against a queue with room for one batch: back-pressure is the only brake.
  Harness small(1);
  auto unpaced = small.create("rate = 0");
  ASSERT_TRUE(unpaced->start().has_value());
  small.scheduler.advance(0s);
  EXPECT_EQ(small.queue->stats().batches, 1u);
  EXPECT_EQ(small.scheduler.pending(), 0u);  // paused on the blocked batch
  EXPECT_EQ(small.received("logs"), 1000u);
  // Space: the blocked batch goes in, the next one is made at once and blocks in its turn.
  ASSERT_TRUE(small.take().has_value());
  EXPECT_EQ(small.queue->stats().batches, 1u);
  EXPECT_EQ(small.received("logs"), 2000u);
  EXPECT_EQ(small.scheduler.pending(), 0u);
  unpaced->stop([] {});
}

TEST(DummyCollector, SeqHasNoGapsAcrossBlockedPeriods) {
  Harness h(1);  // room for one batch at a time: the next one blocks until it is taken
  auto collector = h.create("rate = 10\nbatch_size = 2");
  ASSERT_TRUE(collector->start().has_value());
  std::vector<std::int64_t> seqs;
  for (int round = 0; round < 30; ++round) {
    // Sometimes the exporter is slow for a long while; sometimes it keeps up.
    h.scheduler.advance(round % 4 == 0 ? 5s : 150ms);
    if (round % 4 == 0) {
      EXPECT_EQ(h.scheduler.pending(), 0u) << "generating while a batch is blocked";
    }
    if (auto batch = h.take()) {
      auto got = log_seqs(*batch);
      seqs.insert(seqs.end(), got.begin(), got.end());
    }
  }
  while (auto batch = h.take()) {
    auto got = log_seqs(*batch);
    seqs.insert(seqs.end(), got.begin(), got.end());
  }
  ASSERT_GT(seqs.size(), 40u);
  for (std::size_t i = 0; i < seqs.size(); ++i) ASSERT_EQ(seqs[i], static_cast<std::int64_t>(i));
  EXPECT_EQ(h.registry.dropped_items("dummy", "shutdown").value(), 0u);
  collector->stop([] {});
  // The batch blocked at stop was generated (its seqs are used) but never accepted.
  EXPECT_EQ(h.received("logs") + h.registry.dropped_items("dummy", "shutdown").value(),
            h.registry.counter("vigil_dummy_records_total", "", {{"component", "dummy"}}).value());
  EXPECT_EQ(h.received("logs"), seqs.size());
}

TEST(DummyCollector, NoBurstAfterABlockedPeriod) {
  Harness h(1);
  auto collector = h.create("rate = 10\nbatch_size = 1");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(100ms);  // seq 0 queued, seq 1 blocked
  h.scheduler.advance(10s);
  auto next_seq = [&]() -> std::int64_t {
    auto batch = h.take();
    if (!batch) return -1;
    auto seqs = log_seqs(*batch);
    return seqs.size() == 1 ? seqs[0] : -2;
  };
  EXPECT_EQ(next_seq(), 0);  // seq 1 goes in; pacing restarts: seq 2 is due at once, blocks
  EXPECT_EQ(next_seq(), 1);  // seq 2 goes in
  EXPECT_EQ(next_seq(), 2);
  // Then one per 100 ms again, not the hundred that "fell behind" while blocked.
  h.scheduler.advance(99ms);
  EXPECT_EQ(next_seq(), -1);
  h.scheduler.advance(1ms);
  EXPECT_EQ(next_seq(), 3);
  EXPECT_EQ(h.received("logs"), 4u);
}

TEST(DummyCollector, AFastConsumerNeverRaisesTheRate) {
  // Every batch blocks behind the previous one, and the queue frees a slot every millisecond:
  // pacing restarts after each block but still spaces batches by the rate.
  Harness h(1);
  auto collector = h.create("rate = 10\nbatch_size = 1");
  ASSERT_TRUE(collector->start().has_value());
  for (int ms = 0; ms < 2000; ++ms) {
    h.scheduler.advance(1ms);
    h.take();
  }
  EXPECT_GE(h.received("logs"), 19u);
  EXPECT_LE(h.received("logs"), 21u);
}

TEST(DummyCollector, CountLimitStopsGenerating) {
  Harness h;
  auto collector = h.create("rate = 1000\nbatch_size = 10\ncount = 25");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(10s);
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].items, 10u);
  EXPECT_EQ(batches[1].items, 10u);
  EXPECT_EQ(batches[2].items, 5u);
  EXPECT_EQ(log_seqs(batches[2]), (std::vector<std::int64_t>{20, 21, 22, 23, 24}));
  EXPECT_EQ(h.scheduler.pending(), 0u);
  EXPECT_EQ(h.received("logs"), 25u);
}

TEST(DummyCollector, ConfiguredAttributesOnEveryRecord) {
  Harness h;
  auto collector = h.create("attributes = { team = \"sre\", env = \"prod\" }");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(0s);
  auto batch = h.take();
  ASSERT_TRUE(batch.has_value());
  const auto request = decode_logs(*batch);
  const auto& record = scope_logs(request).log_records(0);
  ASSERT_EQ(record.attributes_size(), 3);
  EXPECT_EQ(record.attributes(0).key(), "env");
  EXPECT_EQ(record.attributes(0).value().string_value(), "prod");
  EXPECT_EQ(record.attributes(1).key(), "team");
  EXPECT_EQ(record.attributes(1).value().string_value(), "sre");
  EXPECT_EQ(record.attributes(2).key(), "dummy.seq");
}

TEST(DummyCollector, TracesOneSpanPerRecord) {
  Harness h;
  auto collector = h.create("signal = \"traces\"\nrate = 3\nbody = \"GET /\"");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(1s);
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].signal, core::Signal::kTraces);
  EXPECT_EQ(batches[0].items, 3u);
  ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(batches[0].payload));
  EXPECT_EQ(request.resource_spans(0).resource().attributes(0).key(), "host.name");
  const auto& spans = request.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(spans.size(), 3);
  std::set<std::string> trace_ids, span_ids;
  const std::uint64_t now = kStart + 666'666'666;  // record 2 of 3 per second
  for (int i = 0; i < spans.size(); ++i) {
    const auto& span = spans[i];
    EXPECT_EQ(span.trace_id().size(), 16u);
    EXPECT_EQ(span.span_id().size(), 8u);
    EXPECT_NE(span.trace_id(), std::string(16, '\0'));
    EXPECT_NE(span.span_id(), std::string(8, '\0'));
    trace_ids.insert(span.trace_id());
    span_ids.insert(span.span_id());
    EXPECT_TRUE(span.parent_span_id().empty());
    EXPECT_EQ(span.name(), "GET /");
    EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_INTERNAL);
    EXPECT_EQ(span.end_time_unix_nano(), now);
    EXPECT_EQ(span.start_time_unix_nano(), now - 1'000'000);
    EXPECT_EQ(seq_of(span.attributes()), i);
  }
  EXPECT_EQ(trace_ids.size(), 3u);
  EXPECT_EQ(span_ids.size(), 3u);
  EXPECT_EQ(h.received("traces"), 3u);
}

TEST(DummyCollector, IdsAreDeterministicDistinctAndNonZero) {
  std::set<std::array<std::uint8_t, 16>> trace_ids;
  std::set<std::array<std::uint8_t, 8>> span_ids;
  for (std::uint64_t seq = 0; seq < 10000; ++seq) {
    trace_ids.insert(dummy_trace_id(42, seq));
    span_ids.insert(dummy_span_id(42, seq));
  }
  EXPECT_EQ(trace_ids.size(), 10000u);
  EXPECT_EQ(span_ids.size(), 10000u);
  EXPECT_EQ(dummy_trace_id(42, 7), dummy_trace_id(42, 7));
  EXPECT_NE(dummy_trace_id(42, 7), dummy_trace_id(43, 7));
  for (std::uint64_t salt : {0ull, 1ull, ~0ull}) {
    for (std::uint64_t seq : {0ull, 1ull, ~0ull}) {
      auto t = dummy_trace_id(salt, seq);
      auto s = dummy_span_id(salt, seq);
      EXPECT_TRUE(std::any_of(t.begin(), t.end(), [](auto b) { return b != 0; }));
      EXPECT_TRUE(std::any_of(s.begin(), s.end(), [](auto b) { return b != 0; }));
    }
  }
}

TEST(DummyCollector, MetricsSumAndGaugePerRecord) {
  Harness h;
  auto collector = h.create("signal = \"metrics\"\nrate = 4\nattributes = { team = \"sre\" }");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(1s);  // one batch of 4 at 750 ms, the next is due at 1.75 s
  auto batches = h.take_all();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].signal, core::Signal::kMetrics);
  EXPECT_EQ(batches[0].items, 8u);  // two points per record
  ExportMetricsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(batches[0].payload));
  const auto& ms = request.resource_metrics(0).scope_metrics(0).metrics();
  ASSERT_EQ(ms.size(), 2);
  const auto& records = ms[0];
  EXPECT_EQ(records.name(), "dummy.records");
  ASSERT_TRUE(records.has_sum());
  EXPECT_TRUE(records.sum().is_monotonic());
  EXPECT_EQ(records.sum().aggregation_temporality(), metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  const auto& value = ms[1];
  EXPECT_EQ(value.name(), "dummy.value");
  ASSERT_TRUE(value.has_gauge());
  ASSERT_EQ(records.sum().data_points_size(), 4);
  ASSERT_EQ(value.gauge().data_points_size(), 4);
  const std::uint64_t now = kStart + 750'000'000;
  for (int k = 0; k < 4; ++k) {
    const auto& sum_point = records.sum().data_points(k);
    const auto& gauge_point = value.gauge().data_points(k);
    EXPECT_EQ(sum_point.as_int(), k + 1);
    EXPECT_EQ(sum_point.start_time_unix_nano(), kStart);
    EXPECT_EQ(gauge_point.as_int(), k);  // dummy.seq
    // Records' nominal times, 250 ms apart, the last one now: no two points share a time.
    const std::uint64_t t = now - static_cast<std::uint64_t>(3 - k) * 250'000'000;
    EXPECT_EQ(sum_point.time_unix_nano(), t);
    EXPECT_EQ(gauge_point.time_unix_nano(), t);
    ASSERT_EQ(sum_point.attributes_size(), 1);
    EXPECT_EQ(sum_point.attributes(0).key(), "team");
    ASSERT_EQ(gauge_point.attributes_size(), 1);
  }
  h.scheduler.advance(1s);
  batches = h.take_all();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_TRUE(request.ParseFromString(batches[0].payload));
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points(3).as_int(),
            8);
  EXPECT_EQ(h.received("metrics"), 16u);
}

TEST(DummyCollector, StopDropsAndCountsABlockedBatch) {
  Harness h(1);
  auto collector = h.create("rate = 10\nbatch_size = 5");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(1s);  // first batch queued, second blocked
  EXPECT_EQ(h.queue->stats().batches, 1u);
  bool done = false;
  collector->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_EQ(h.registry.dropped_items("dummy", "shutdown").value(), 5u);
  EXPECT_EQ(h.scheduler.pending(), 0u);
  ASSERT_TRUE(h.take().has_value());  // space frees: the stopped collector offers nothing
  EXPECT_FALSE(h.take().has_value());
  h.scheduler.advance(10s);
  EXPECT_FALSE(h.take().has_value());
  EXPECT_EQ(h.received("logs"), 5u);
}

TEST(DummyCollector, StopHandsOverABlockedBatchIfThereIsRoomNow) {
  Harness h(1);
  auto collector = h.create("rate = 10\nbatch_size = 5");
  ASSERT_TRUE(collector->start().has_value());
  h.scheduler.advance(1s);  // first batch queued, second blocked
  // The exporter finishes the first batch; the router's notification has not run yet.
  auto entry = h.queue->take();
  ASSERT_TRUE(entry.has_value());
  entry->ticket.settle(core::Settlement::kDelivered);
  h.queue->complete(entry->id);
  collector->stop([] {});
  EXPECT_EQ(h.registry.dropped_items("dummy", "shutdown").value(), 0u);
  EXPECT_EQ(h.received("logs"), 10u);
  auto batch = h.take();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(log_seqs(*batch), (std::vector<std::int64_t>{5, 6, 7, 8, 9}));
}

TEST(DummyCollector, SeqContinuesAcrossRestarts) {
  Harness h;
  {
    auto first = h.create("rate = 1000\nbatch_size = 3\ncount = 3");
    ASSERT_TRUE(first->start().has_value());
    h.scheduler.advance(1s);
    first->stop([] {});
    // Restarting the same instance carries on as well (count applies per start).
    ASSERT_TRUE(first->start().has_value());
    h.scheduler.advance(1s);
    first->stop([] {});
  }
  auto second = h.create("rate = 1000\nbatch_size = 3\ncount = 3");  // a reload
  ASSERT_TRUE(second->start().has_value());
  h.scheduler.advance(1s);
  std::vector<std::int64_t> seqs;
  for (const auto& batch : h.take_all()) {
    auto got = log_seqs(batch);
    seqs.insert(seqs.end(), got.begin(), got.end());
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));

  // Another dummy has its own sequence.
  auto other = h.create("count = 1", "dummy/other");
  ASSERT_TRUE(other->start().has_value());
  h.scheduler.advance(0s);
  auto batch = h.take();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->source, "dummy/other");
  EXPECT_EQ(log_seqs(*batch), (std::vector<std::int64_t>{0}));
}

config::Diagnostics parse_errors(std::string_view toml_text) {
  auto table = toml::parse(toml_text);
  config::Diagnostics diagnostics;
  auto reader_context = std::make_shared<config::ReaderContext>();
  reader_context->file = "agent.toml";
  reader_context->diagnostics = &diagnostics;
  config::ConfigReader reader(reader_context, &table, "collectors.dummy");
  auto config = dummy_collector_factory().parse(reader);
  reader.finish();
  return diagnostics;
}

TEST(DummyCollector, ConfigValidation) {
  EXPECT_TRUE(parse_errors("").ok());
  EXPECT_TRUE(parse_errors("signal = \"metrics\"\nrate = 1000000\nbatch_size = 100000").ok());
  EXPECT_FALSE(parse_errors("signal = \"profiles\"").ok());
  EXPECT_FALSE(parse_errors("rate = 1000001").ok());
  EXPECT_FALSE(parse_errors("rate = -1").ok());
  EXPECT_FALSE(parse_errors("batch_size = 0").ok());
  EXPECT_FALSE(parse_errors("count = -5").ok());
  EXPECT_FALSE(parse_errors("attributes = { \"dummy.seq\" = \"7\" }").ok());
  EXPECT_FALSE(parse_errors("attributes = { n = 7 }").ok());
  EXPECT_FALSE(parse_errors("sample = 3").ok());
}

TEST(DummyCollector, BatchSizeDefaultsFollowTheRate) {
  auto parse = [](std::string_view text) {
    auto table = toml::parse(text);
    config::Diagnostics diagnostics;
    auto reader_context = std::make_shared<config::ReaderContext>();
    reader_context->file = "agent.toml";
    reader_context->diagnostics = &diagnostics;
    config::ConfigReader reader(reader_context, &table, "collectors.dummy");
    auto config = parse_dummy_config(reader);
    reader.finish();
    return config->batch_size;
  };
  EXPECT_EQ(parse(""), 1u);
  EXPECT_EQ(parse("rate = 250"), 250u);
  EXPECT_EQ(parse("rate = 50000"), 1000u);
  EXPECT_EQ(parse("rate = 0"), 1000u);
  EXPECT_EQ(parse("rate = 50000\nbatch_size = 7"), 7u);
}

}  // namespace
}  // namespace vigil::collectors::dummy
