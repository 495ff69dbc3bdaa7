#include "exporters/null/null_exporter.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "agent/components.h"
#include "agent/config/config_reader.h"
#include "agent/core/ack.h"
#include "agent/core/memory_queue.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::exporters::null_exporter {
namespace {

struct Parsed {
  std::shared_ptr<const app::ComponentConfig> config;
  std::vector<std::string> errors;
};

Parsed parse(std::string_view toml_text, bool present = true) {
  config::Diagnostics diagnostics;
  auto context = std::make_shared<config::ReaderContext>();
  context->file = "agent.toml";
  context->diagnostics = &diagnostics;
  const toml::table table = toml::parse(toml_text);
  config::ConfigReader reader(context, present ? &table : nullptr, "exporters.null");
  auto config = null_exporter_factory().parse(reader);
  reader.finish();
  return {config, diagnostics.errors()};
}

std::unique_ptr<app::Exporter> create() {
  app::ExporterSpec spec;
  spec.identity = {"null", "null", "null", "exporters.null"};
  spec.signals = core::SignalSet::all();
  spec.config = parse("").config;
  auto exporter = null_exporter_factory().create(spec, app::ComponentContext{});
  EXPECT_TRUE(exporter.has_value());
  return exporter.has_value() ? std::move(*exporter) : nullptr;
}

TEST(NullExporter, RegisteredAsKindNullAcceptingEverySignal) {
  const auto* factory = builtin_components().find_exporter("null");
  ASSERT_NE(factory, nullptr);
  EXPECT_EQ(factory->kind, "null");
  EXPECT_EQ(factory->accepts, core::SignalSet::all());
}

TEST(NullExporter, HasNoKeysOfItsOwn) {
  auto absent = parse("", /*present=*/false);
  EXPECT_NE(std::dynamic_pointer_cast<const NullConfig>(absent.config), nullptr);
  EXPECT_TRUE(absent.errors.empty());

  auto empty = parse("");
  EXPECT_NE(std::dynamic_pointer_cast<const NullConfig>(empty.config), nullptr);
  EXPECT_TRUE(empty.errors.empty());

  auto unknown = parse(R"(stream = "stdout")");
  ASSERT_EQ(unknown.errors.size(), 1u);
  EXPECT_NE(unknown.errors[0].find("exporters.null.stream"), std::string::npos)
      << unknown.errors[0];
  EXPECT_NE(unknown.errors[0].find("unknown key"), std::string::npos) << unknown.errors[0];
}

TEST(NullExporter, CreateRejectsAnotherKindsConfig) {
  app::ExporterSpec spec;
  spec.identity = {"null", "x", "null/x", "exporters.null[0]"};
  spec.config = std::make_shared<app::ComponentConfig>();
  auto exporter = null_exporter_factory().create(spec, app::ComponentContext{});
  ASSERT_FALSE(exporter.has_value());
  EXPECT_EQ(exporter.error().message, "null/x: not a null config");
}

// It answers inside send(), for any payload, even one that is not OTLP at all: it never looks.
TEST(NullExporter, AnswersOkAtOnceForEverySignal) {
  auto exporter = create();
  ASSERT_NE(exporter, nullptr);
  for (const auto signal : {core::Signal::kMetrics, core::Signal::kLogs, core::Signal::kTraces}) {
    core::Batch batch;
    batch.signal = signal;
    batch.payload = "\xff not protobuf";
    batch.items = 7;
    int calls = 0;
    std::optional<core::SendResult> result;
    exporter->send(batch, [&](core::SendResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_EQ(calls, 1);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, core::SendResult::Status::kOk);
    EXPECT_EQ(result->rejected_items, 0u);
  }
}

// Fed by the export pump as the agent does: every item counts as sent, every batch is
// acknowledged as delivered and leaves the queue.
TEST(NullExporter, ThroughTheExportPumpEveryItemIsCountedAndAcknowledged) {
  testing::FakeClock clock;
  testing::FakeScheduler scheduler(clock);
  testing::ScriptedRandom random{0.5};
  telemetry::MetricsRegistry metrics;
  telemetry::Logger logger({}, clock, [](std::string_view) {});
  core::MemoryQueue queue("null", 1 << 20, core::WhenFull::kBlock, metrics, logger);
  auto exporter = create();
  ASSERT_NE(exporter, nullptr);
  core::ExportPump pump({"null", 2, core::RetryConfig{}}, queue, *exporter, scheduler, clock,
                        random, metrics, logger);
  pump.start();

  std::vector<core::AckOutcome> acks;
  const std::vector<std::pair<core::Signal, std::uint64_t>> sent = {{core::Signal::kTraces, 100},
                                                                    {core::Signal::kLogs, 3},
                                                                    {core::Signal::kMetrics, 12},
                                                                    {core::Signal::kTraces, 1}};
  for (const auto& [signal, items] : sent) {
    auto batch = std::make_shared<core::Batch>();
    batch->signal = signal;
    batch->payload = std::string(items, 'x');
    batch->items = items;
    batch->source = "otlp";
    auto tickets = core::make_ack_tickets(
        1, [&acks](const core::AckOutcome& outcome) { acks.push_back(outcome); });
    queue.push(std::move(batch), std::move(tickets.front()));
  }
  EXPECT_TRUE(pump.idle());
  ASSERT_EQ(acks.size(), sent.size());
  for (const auto& outcome : acks) {
    EXPECT_EQ(outcome.delivered, 1u);
    EXPECT_TRUE(outcome.safe());
  }
  auto counted = [&](std::string_view name, core::Signal signal) {
    return metrics
        .counter(name, "",
                 {{"component", "null"}, {"signal", std::string(core::to_string(signal))}})
        .value();
  };
  EXPECT_EQ(counted("vigil_sent_items_total", core::Signal::kTraces), 101u);
  EXPECT_EQ(counted("vigil_sent_items_total", core::Signal::kLogs), 3u);
  EXPECT_EQ(counted("vigil_sent_items_total", core::Signal::kMetrics), 12u);
  EXPECT_EQ(counted("vigil_failed_items_total", core::Signal::kTraces), 0u);
  EXPECT_EQ(queue.stats().batches, 0u);
  EXPECT_EQ(queue.stats().bytes, 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
}

}  // namespace
}  // namespace vigil::exporters::null_exporter
