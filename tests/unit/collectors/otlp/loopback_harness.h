#pragma once

// Runs a real `otlp` collector (built by its factory from TOML) on a libuv loop with a real
// router and memory queue, for loopback tests of its transports.

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <uv.h>

#include "agent/core/memory_queue.h"
#include "agent/net/http_client.h"
#include "agent/net/uv_scheduler.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/otlp/otlp_collector.h"

namespace vigil::collectors::otlp::otlp_test {

using namespace std::chrono_literals;

class LoopbackHarness {
 public:
  // `toml_text` is the [collectors.otlp] table's body; listeners on port 0 unless it says.
  // With `auto_deliver`, every queued batch is taken and delivered on the next loop turn.
  explicit LoopbackHarness(std::string toml_text, bool auto_deliver = true,
                           std::uint64_t queue_bytes = 64 << 20)
      : auto_deliver_(auto_deliver) {
    // The servers write with write(2): a client gone mid-answer must not kill the test (vigil's
    // main ignores SIGPIPE the same way).
    std::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    scheduler_ = std::make_unique<net::UvScheduler>(&loop_);
    router_ = std::make_unique<core::Router>(registry_, *scheduler_);
    queue_ = std::make_unique<core::MemoryQueue>("sink", queue_bytes, core::WhenFull::kBlock,
                                                 registry_, logger_);
    queue_->set_ready_callback([this] {
      if (auto_deliver_) deliver_timer_ = scheduler_->schedule(0ms, [this] { deliver_all(); });
    });
    router_->add_route(core::Route{"sink", queue_.get(), core::SignalSet::all(), {}});
    resource_.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}};
    context_.loop = &loop_;
    context_.router = router_.get();
    context_.metrics = &registry_;
    context_.logger = &logger_;
    context_.clock = &clock_;
    context_.scheduler = scheduler_.get();
    context_.resource = &resource_;

    auto table = toml::parse(toml_text);
    config::Diagnostics diagnostics;
    auto reader_context = std::make_shared<config::ReaderContext>();
    reader_context->file = "agent.toml";
    reader_context->diagnostics = &diagnostics;
    config::ConfigReader reader(reader_context, &table, "collectors.otlp");
    auto factory = otlp_collector_factory();
    app::CollectorSpec spec;
    spec.identity = {"otlp", "otlp", "otlp", "collectors.otlp"};
    spec.config = factory.parse(reader);
    reader.finish();
    EXPECT_TRUE(diagnostics.ok()) << diagnostics.joined();
    auto created = factory.create(spec, context_);
    EXPECT_TRUE(created.has_value());
    collector_.reset(static_cast<OtlpCollector*>(created->release()));
    auto started = collector_->start();
    EXPECT_TRUE(started.has_value()) << started.error().message;
  }

  ~LoopbackHarness() {
    client_.reset();
    if (collector_) collector_->stop([] {});
    collector_.reset();
    deliver_timer_.reset();
    held_.clear();
    router_->clear_routes();
    queue_.reset();
    router_.reset();
    for (int i = 0; i < 200 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open on the loop";
  }

  std::string http_url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(collector_->http_port()) + std::string(path);
  }

  bool run_until(const std::function<bool()>& done, core::Duration limit = 10s) {
    net::UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  net::HttpClientResponse fetch(net::HttpClientRequest request) {
    if (!client_) client_ = std::make_unique<net::HttpClient>(&loop_, logger_);
    std::optional<net::HttpClientResponse> response;
    client_->send(std::move(request), [&](net::HttpClientResponse r) { response = std::move(r); });
    EXPECT_TRUE(run_until([&] { return response.has_value(); })) << "no response in time";
    return response.value_or(net::HttpClientResponse{});
  }

  // POSTs `body` to the HTTP receiver.
  net::HttpClientResponse post(std::string_view path, std::string body,
                               std::string content_type = "application/x-protobuf",
                               net::HttpHeaders headers = {},
                               net::Codec compression = net::Codec::kNone) {
    net::HttpClientRequest request;
    request.url = http_url(path);
    request.body = std::move(body);
    request.compression = compression;
    request.headers = std::move(headers);
    if (!content_type.empty()) request.headers.push_back({"Content-Type", content_type});
    return fetch(std::move(request));
  }

  // Batches delivered so far (auto_deliver) in order.
  std::vector<core::Batch>& delivered() { return delivered_; }

  // Takes the queued batches without settling them (their tickets are held).
  std::vector<core::Batch> hold_all() {
    std::vector<core::Batch> out;
    while (auto entry = queue_->take()) {
      out.push_back(*entry->batch);
      held_.push_back(std::move(*entry));
    }
    return out;
  }

  std::uint64_t counter(std::string_view name, telemetry::Labels labels) {
    return registry_.counter(name, "", std::move(labels)).value();
  }

  OtlpCollector& collector() { return *collector_; }
  const app::ComponentContext& context() const { return context_; }
  core::MemoryQueue& queue() { return *queue_; }
  uv_loop_t* loop() { return &loop_; }
  telemetry::Logger& logger() { return logger_; }

 private:
  void deliver_all() {
    while (auto entry = queue_->take()) {
      delivered_.push_back(*entry->batch);
      entry->ticket.settle(core::Settlement::kDelivered);
      queue_->complete(entry->id);
    }
  }

  bool auto_deliver_;
  uv_loop_t loop_{};
  core::SystemClock clock_;
  telemetry::MetricsRegistry registry_;
  telemetry::Logger logger_{telemetry::Logger::Options{}, clock_, [](std::string_view) {}};
  std::unique_ptr<net::UvScheduler> scheduler_;
  std::unique_ptr<core::Router> router_;
  std::unique_ptr<core::MemoryQueue> queue_;
  std::unique_ptr<core::TimerHandle> deliver_timer_;
  vigil::otlp::ResourceInfo resource_;
  app::ComponentContext context_;
  std::unique_ptr<OtlpCollector> collector_;
  std::unique_ptr<net::HttpClient> client_;
  std::vector<core::Batch> delivered_;
  std::vector<core::QueueEntry> held_;
};

}  // namespace vigil::collectors::otlp::otlp_test
