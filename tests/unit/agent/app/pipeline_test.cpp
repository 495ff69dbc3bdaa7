#include "agent/app/pipeline.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/net/http_client.h"
#include "agent/net/uv_scheduler.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"

namespace vigil::app {
namespace {

// Records every acknowledgement a source receives.
struct AckLog {
  std::vector<core::AckOutcome> outcomes;
  std::size_t safe() const {
    std::size_t n = 0;
    for (const auto& o : outcomes) n += o.safe() ? 1 : 0;
    return n;
  }
};

struct GenConfig : ComponentConfig {
  int batches = 0;
};

// Offers `batches` one-item log batches at start, retrying blocked ones on space.
class GenCollector final : public Collector {
 public:
  GenCollector(const CollectorSpec& spec, const ComponentContext& ctx, AckLog& acks)
      : id_(spec.identity.id),
        ctx_(ctx),
        acks_(acks),
        total_(static_cast<const GenConfig&>(*spec.config).batches) {}
  core::Result<void> start() override {
    listener_ = ctx_.router->add_space_listener([this] { offer(); });
    offer();
    return {};
  }
  void stop(std::function<void()> done) override {
    ctx_.router->remove_space_listener(listener_);
    done();
  }

 private:
  void offer() {
    while (next_ < total_) {
      auto batch = std::make_shared<core::Batch>();
      batch->signal = core::Signal::kLogs;
      batch->payload = std::string(100, static_cast<char>('a' + next_ % 26));
      batch->items = 1;
      batch->source = id_;
      if (ctx_.router->offer(batch, [this](const core::AckOutcome& o) {
            acks_.outcomes.push_back(o);
          }) == core::OfferResult::kBlocked) {
        return;
      }
      ++next_;
    }
  }
  std::string id_;
  ComponentContext ctx_;
  AckLog& acks_;
  int total_;
  int next_ = 0;
  std::uint64_t listener_ = 0;
};

struct SinkConfig : ComponentConfig {
  enum class Mode { kDeliver, kPermanent, kNeverAnswer } mode = Mode::kDeliver;
};

class SinkExporter final : public Exporter {
 public:
  SinkExporter(const ExporterSpec& spec, const ComponentContext& ctx,
               std::vector<std::string>& received)
      : mode_(static_cast<const SinkConfig&>(*spec.config).mode),
        timer_(ctx.loop),
        received_(received) {}
  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override {
    received_.push_back(batch.payload);
    switch (mode_) {
      case SinkConfig::Mode::kDeliver:
        // Answer asynchronously, as a network exporter does.
        timer_.start(std::chrono::milliseconds(1), [done] { done(core::SendResult::ok()); });
        break;
      case SinkConfig::Mode::kPermanent:
        done(core::SendResult::permanent("400 bad request"));
        break;
      case SinkConfig::Mode::kNeverAnswer:
        pending_.push_back(std::move(done));
        break;
    }
  }

 private:
  SinkConfig::Mode mode_;
  net::UvTimer timer_;
  std::vector<std::string>& received_;
  std::vector<std::function<void(core::SendResult)>> pending_;
};

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    uv_loop_init(&loop_);
    registry_.collectors.push_back(CollectorFactory{
        "gen", "test", nullptr,
        [this](const CollectorSpec& spec,
               const ComponentContext& ctx) -> core::Result<std::unique_ptr<Collector>> {
          return std::make_unique<GenCollector>(spec, ctx, acks_);
        }});
    registry_.exporters.push_back(ExporterFactory{
        "sink", "test", core::SignalSet::all(), nullptr,
        [this](const ExporterSpec& spec,
               const ComponentContext& ctx) -> core::Result<std::unique_ptr<Exporter>> {
          return std::make_unique<SinkExporter>(spec, ctx, received_[spec.identity.id]);
        }});
  }
  ~PipelineTest() override {
    pipeline_.reset();
    client_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  void add_gen(int batches) {
    auto cfg = std::make_shared<GenConfig>();
    cfg->batches = batches;
    config_.collectors.push_back(CollectorSpec{{"gen", "gen", "gen", "collectors.gen"}, cfg});
  }
  void add_sink(const std::string& name, SinkConfig::Mode mode,
                std::uint64_t max_memory = 1 << 20) {
    auto cfg = std::make_shared<SinkConfig>();
    cfg->mode = mode;
    ExporterSpec spec;
    spec.identity = {"sink", name, "sink/" + name, "exporters.sink"};
    spec.signals = core::SignalSet::all();
    spec.buffer.max_memory = max_memory;
    spec.config = cfg;
    config_.exporters.push_back(spec);
  }
  void start() {
    PipelineDeps deps;
    deps.loop = &loop_;
    deps.registry = &registry_;
    deps.metrics = &metrics_;
    deps.logger = &logger_;
    deps.clock = &clock_;
    deps.random = &random_;
    deps.scheduler = &scheduler_;
    client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
    deps.http_client = client_.get();
    deps.proc_root = "/nonexistent";
    auto built = Pipeline::build(config_, deps);
    ASSERT_TRUE(built) << built.error().message;
    pipeline_ = std::move(*built);
    auto started = pipeline_->start();
    ASSERT_TRUE(started) << started.error().message;
  }
  // Runs the loop until `done` or 5 s pass.
  template <typename Pred>
  bool run_until(Pred done) {
    net::UvTimer guard(&loop_);
    bool expired = false;
    guard.start(std::chrono::seconds(5), [&] { expired = true; });
    while (!done() && !expired) uv_run(&loop_, UV_RUN_ONCE);
    return done();
  }
  std::uint64_t dropped(const std::string& component, const std::string& reason) {
    return metrics_.dropped_items(component, reason).value();
  }

  uv_loop_t loop_{};
  core::SystemClock clock_;
  core::SeededRandom random_{1};
  net::UvScheduler scheduler_{&loop_};
  telemetry::MetricsRegistry metrics_;
  telemetry::Logger logger_{
      {.level = telemetry::LogLevel::kError}, clock_, [](std::string_view) {}};
  ComponentRegistry registry_;
  config::LoadedConfig config_;
  std::unique_ptr<net::HttpClient> client_;
  std::unique_ptr<Pipeline> pipeline_;
  AckLog acks_;
  std::map<std::string, std::vector<std::string>> received_;
};

TEST_F(PipelineTest, EveryBatchIsDeliveredInOrderThenAcked) {
  add_gen(50);
  add_sink("a", SinkConfig::Mode::kDeliver, 1024);  // 10 batches fit: the source is blocked often
  start();
  ASSERT_TRUE(run_until([&] { return acks_.outcomes.size() == 50; }));
  EXPECT_EQ(acks_.safe(), 50u);
  ASSERT_EQ(received_["sink/a"].size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(received_["sink/a"][i][0], static_cast<char>('a' + i % 26)) << i;
  }
  bool drained = false;
  DrainReport report;
  pipeline_->drain(std::chrono::seconds(1), [&](DrainReport r) {
    report = r;
    drained = true;
  });
  ASSERT_TRUE(run_until([&] { return drained; }));
  EXPECT_TRUE(report.completed);
  EXPECT_EQ(report.abandoned_items, 0u);
}

TEST_F(PipelineTest, AckWaitsForEveryExporterAndPermanentErrorsAreCounted) {
  add_gen(5);
  add_sink("ok", SinkConfig::Mode::kDeliver);
  add_sink("bad", SinkConfig::Mode::kPermanent);
  start();
  ASSERT_TRUE(run_until([&] { return acks_.outcomes.size() == 5; }));
  for (const auto& o : acks_.outcomes) {
    EXPECT_EQ(o.delivered, 1u);
    EXPECT_EQ(o.dropped, 1u);
    EXPECT_TRUE(o.safe());
  }
  EXPECT_EQ(dropped("sink/bad", "permanent_error"), 5u);
  EXPECT_EQ(received_["sink/ok"].size(), 5u);
}

TEST_F(PipelineTest, DrainDeadlineAbandonsAndCountsWhatWasNeverAcknowledged) {
  add_gen(4);
  add_sink("stuck", SinkConfig::Mode::kNeverAnswer);
  start();
  ASSERT_TRUE(run_until([&] { return received_["sink/stuck"].size() == 1; }));
  bool drained = false;
  DrainReport report;
  pipeline_->drain(std::chrono::milliseconds(100), [&](DrainReport r) {
    report = r;
    drained = true;
  });
  ASSERT_TRUE(run_until([&] { return drained; }));
  EXPECT_FALSE(report.completed);
  EXPECT_EQ(report.abandoned_items, 3u);  // waiting; the fourth is in flight
  EXPECT_EQ(dropped("sink/stuck", "shutdown"), 3u);
  pipeline_.reset();
  ASSERT_EQ(acks_.outcomes.size(), 4u);
  EXPECT_EQ(acks_.safe(), 0u);  // nothing was acknowledged as safe: the sources can replay
}

TEST_F(PipelineTest, StatusJsonNamesComponentsAndQueues) {
  add_gen(1);
  add_sink("a", SinkConfig::Mode::kDeliver);
  start();
  ASSERT_TRUE(run_until([&] { return acks_.outcomes.size() == 1; }));
  const auto json = pipeline_->status_json();
  EXPECT_NE(json.find(R"("id":"gen")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("id":"sink/a")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("capacity_bytes":1048576)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("vigil_sent_items_total{signal=\"logs\"}":1)"), std::string::npos) << json;
}

}  // namespace
}  // namespace vigil::app
