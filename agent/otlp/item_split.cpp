#include "agent/otlp/item_split.h"

#include <climits>
#include <string>

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::otlp {

namespace {

using google::protobuf::Arena;
using google::protobuf::RepeatedPtrField;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace collector_logs = opentelemetry::proto::collector::logs::v1;
namespace collector_metrics = opentelemetry::proto::collector::metrics::v1;
namespace collector_trace = opentelemetry::proto::collector::trace::v1;

// The single-item request is a skeleton (one resource group, one scope group, one item slot)
// into which each item is swapped in turn. Both live on one arena, so Swap exchanges pointers
// instead of copying: splitting costs no allocation per item. The parsed request is scrap
// afterwards.

template <typename Group>
void take_resource(Group& from, Group& to) {
  to.clear_resource();
  if (from.has_resource()) to.mutable_resource()->Swap(from.mutable_resource());
  to.set_schema_url(from.schema_url());
}

template <typename Group>
void take_scope(Group& from, Group& to) {
  to.clear_scope();
  if (from.has_scope()) to.mutable_scope()->Swap(from.mutable_scope());
  to.set_schema_url(from.schema_url());
}

template <typename Item>
std::uint64_t swap_through(RepeatedPtrField<Item>& items, RepeatedPtrField<Item>& slot,
                           const google::protobuf::Message& request, const ItemVisitor& visit) {
  slot.Clear();
  Item* one = slot.Add();
  for (Item& item : items) {
    one->Swap(&item);
    visit(request);
  }
  return static_cast<std::uint64_t>(items.size());
}

template <typename Request>
core::Result<Request*> parse(Arena& arena, std::string_view payload) {
  auto* request = Arena::CreateMessage<Request>(&arena);
  if (payload.size() > static_cast<std::size_t>(INT_MAX) ||
      !request->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return core::make_error(
        fmt::format("malformed {} ({} bytes)", Request::descriptor()->name(), payload.size()));
  }
  return request;
}

// Walks resource groups and scope groups the same way for every signal; `items` moves one
// scope group's items through the skeleton's scope group.
template <typename Request, typename Resources, typename Scopes, typename Items>
core::Result<std::uint64_t> split(std::string_view payload, Resources resources, Scopes scopes,
                                  Items items) {
  Arena arena;
  auto parsed = parse<Request>(arena, payload);
  if (!parsed) return std::unexpected(parsed.error());
  auto* single = Arena::CreateMessage<Request>(&arena);
  auto& out_resource = *resources(*single).Add();
  auto& out_scope = *scopes(out_resource).Add();
  std::uint64_t count = 0;
  for (auto& resource : resources(**parsed)) {
    take_resource(resource, out_resource);
    for (auto& scope : scopes(resource)) {
      take_scope(scope, out_scope);
      count += items(scope, out_scope, *single);
    }
  }
  return count;
}

// Everything of a metric but its data points; the data oneof is set to the metric's type.
void copy_metric_shell(const metrics::Metric& from, metrics::Metric& to) {
  to.set_name(from.name());
  to.set_description(from.description());
  to.set_unit(from.unit());
  *to.mutable_metadata() = from.metadata();
}

std::uint64_t split_metric(metrics::Metric& metric, metrics::Metric& out,
                           const google::protobuf::Message& request, const ItemVisitor& visit) {
  copy_metric_shell(metric, out);
  switch (metric.data_case()) {
    case metrics::Metric::kGauge:
      return swap_through(*metric.mutable_gauge()->mutable_data_points(),
                          *out.mutable_gauge()->mutable_data_points(), request, visit);
    case metrics::Metric::kSum: {
      auto& sum = *out.mutable_sum();
      sum.set_aggregation_temporality(metric.sum().aggregation_temporality());
      sum.set_is_monotonic(metric.sum().is_monotonic());
      return swap_through(*metric.mutable_sum()->mutable_data_points(), *sum.mutable_data_points(),
                          request, visit);
    }
    case metrics::Metric::kHistogram: {
      auto& histogram = *out.mutable_histogram();
      histogram.set_aggregation_temporality(metric.histogram().aggregation_temporality());
      return swap_through(*metric.mutable_histogram()->mutable_data_points(),
                          *histogram.mutable_data_points(), request, visit);
    }
    case metrics::Metric::kExponentialHistogram: {
      auto& histogram = *out.mutable_exponential_histogram();
      histogram.set_aggregation_temporality(
          metric.exponential_histogram().aggregation_temporality());
      return swap_through(*metric.mutable_exponential_histogram()->mutable_data_points(),
                          *histogram.mutable_data_points(), request, visit);
    }
    case metrics::Metric::kSummary:
      return swap_through(*metric.mutable_summary()->mutable_data_points(),
                          *out.mutable_summary()->mutable_data_points(), request, visit);
    case metrics::Metric::DATA_NOT_SET:
      break;
  }
  return 0;  // a metric without data has no points to export
}

core::Result<std::uint64_t> split_traces(std::string_view payload, const ItemVisitor& visit) {
  return split<collector_trace::ExportTraceServiceRequest>(
      payload, [](auto& r) -> auto& { return *r.mutable_resource_spans(); },
      [](trace::ResourceSpans & r) -> auto& { return *r.mutable_scope_spans(); },
      [&visit](trace::ScopeSpans& in, trace::ScopeSpans& out, const auto& request) {
        return swap_through(*in.mutable_spans(), *out.mutable_spans(), request, visit);
      });
}

core::Result<std::uint64_t> split_logs(std::string_view payload, const ItemVisitor& visit) {
  return split<collector_logs::ExportLogsServiceRequest>(
      payload, [](auto& r) -> auto& { return *r.mutable_resource_logs(); },
      [](logs::ResourceLogs & r) -> auto& { return *r.mutable_scope_logs(); },
      [&visit](logs::ScopeLogs& in, logs::ScopeLogs& out, const auto& request) {
        return swap_through(*in.mutable_log_records(), *out.mutable_log_records(), request, visit);
      });
}

core::Result<std::uint64_t> split_metrics(std::string_view payload, const ItemVisitor& visit) {
  return split<collector_metrics::ExportMetricsServiceRequest>(
      payload, [](auto& r) -> auto& { return *r.mutable_resource_metrics(); },
      [](metrics::ResourceMetrics & r) -> auto& { return *r.mutable_scope_metrics(); },
      [&visit](metrics::ScopeMetrics& in, metrics::ScopeMetrics& out, const auto& request) {
        out.clear_metrics();
        auto& out_metric = *out.add_metrics();
        std::uint64_t n = 0;
        for (auto& metric : *in.mutable_metrics())
          n += split_metric(metric, out_metric, request, visit);
        return n;
      });
}

}  // namespace

core::Result<std::uint64_t> for_each_item(core::Signal signal, std::string_view payload,
                                          const ItemVisitor& visit) {
  switch (signal) {
    case core::Signal::kTraces:
      return split_traces(payload, visit);
    case core::Signal::kLogs:
      return split_logs(payload, visit);
    case core::Signal::kMetrics:
      return split_metrics(payload, visit);
  }
  return core::make_error(fmt::format("unknown signal {}", static_cast<int>(signal)));
}

}  // namespace vigil::otlp
