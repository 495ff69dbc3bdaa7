#pragma once

// Builders of OTLP export requests and a router harness for the OTLP receiver's tests.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "agent/core/memory_queue.h"
#include "agent/core/router.h"
#include "agent/otlp/resource_info.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::collectors::otlp::otlp_test {

namespace trace = opentelemetry::proto::trace::v1;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace common = opentelemetry::proto::common::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

inline std::string trace_id(char fill = 1) { return std::string(16, fill); }
inline std::string span_id(char fill = 2) { return std::string(8, fill); }

inline void add_attribute(google::protobuf::RepeatedPtrField<common::KeyValue>* out,
                          std::string key, std::string value) {
  auto* kv = out->Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}

inline trace::Span* add_span(trace::ScopeSpans* scope, std::string name, std::string tid,
                             std::string sid) {
  auto* span = scope->add_spans();
  span->set_name(std::move(name));
  span->set_trace_id(std::move(tid));
  span->set_span_id(std::move(sid));
  span->set_start_time_unix_nano(1'700'000'000'000'000'000);
  span->set_end_time_unix_nano(1'700'000'000'500'000'000);
  return span;
}

// One resource (service.name = `service`, plus `extra` attributes) with `spans` valid spans.
inline ExportTraceServiceRequest traces(
    int spans, std::string service = "checkout",
    std::vector<std::pair<std::string, std::string>> extra = {}) {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  add_attribute(rs->mutable_resource()->mutable_attributes(), "service.name", std::move(service));
  for (auto& [k, v] : extra) add_attribute(rs->mutable_resource()->mutable_attributes(), k, v);
  auto* scope = rs->add_scope_spans();
  scope->mutable_scope()->set_name("test");
  for (int i = 0; i < spans; ++i) {
    add_span(scope, "span" + std::to_string(i), trace_id(static_cast<char>(i + 1)),
             span_id(static_cast<char>(i + 1)));
  }
  return request;
}

// The value of resource attribute `key` and how often it occurs.
inline std::pair<std::string, int> attribute(
    const opentelemetry::proto::resource::v1::Resource& resource, std::string_view key) {
  std::pair<std::string, int> out{"", 0};
  for (const auto& kv : resource.attributes()) {
    if (kv.key() != key) continue;
    out.first = kv.value().string_value();
    ++out.second;
  }
  return out;
}

// A real router with one memory queue (when_full = block) for every signal.
struct RouterHarness {
  explicit RouterHarness(std::uint64_t queue_bytes = 64 << 20) {
    queue = std::make_unique<core::MemoryQueue>("sink", queue_bytes, core::WhenFull::kBlock,
                                                registry, logger);
    router.add_route(core::Route{"sink", queue.get(), core::SignalSet::all(), {}});
    resource.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}};
  }
  ~RouterHarness() { router.clear_routes(); }

  // The next queued batch, settled as `how` and completed.
  std::optional<core::Batch> take(core::Settlement how = core::Settlement::kDelivered) {
    auto entry = queue->take();
    if (!entry) return std::nullopt;
    core::Batch copy = *entry->batch;
    entry->ticket.settle(how);
    queue->complete(entry->id);
    return copy;
  }
  // The next queued batch without settling it (its ticket is kept in `held`).
  std::optional<core::Batch> peek() {
    auto entry = queue->take();
    if (!entry) return std::nullopt;
    core::Batch copy = *entry->batch;
    held.push_back(std::move(*entry));
    return copy;
  }
  std::uint64_t counter(std::string_view name, telemetry::Labels labels) {
    return registry.counter(name, "", std::move(labels)).value();
  }

  vigil::testing::FakeClock clock;
  vigil::testing::FakeScheduler scheduler{clock};
  telemetry::MetricsRegistry registry;
  telemetry::Logger logger{telemetry::Logger::Options{}, clock, [](std::string_view) {}};
  core::Router router{registry, scheduler};
  std::unique_ptr<core::MemoryQueue> queue;
  std::vector<core::QueueEntry> held;
  vigil::otlp::ResourceInfo resource;
};

}  // namespace vigil::collectors::otlp::otlp_test
