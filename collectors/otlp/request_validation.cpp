#include "collectors/otlp/request_validation.h"

#include <algorithm>
#include <string_view>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::collectors::otlp {

namespace {

namespace trace = opentelemetry::proto::trace::v1;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;

constexpr std::size_t kTraceIdBytes = 16;
constexpr std::size_t kSpanIdBytes = 8;

bool all_zero(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c == 0; });
}

// Why a span is invalid, or nullptr.
const char* span_problem(const trace::Span& span) {
  if (span.trace_id().size() != kTraceIdBytes) return "trace_id must be 16 bytes";
  if (all_zero(span.trace_id())) return "trace_id must not be all zero";
  if (span.span_id().size() != kSpanIdBytes) return "span_id must be 8 bytes";
  if (all_zero(span.span_id())) return "span_id must not be all zero";
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != kSpanIdBytes) {
    return "parent_span_id must be empty or 8 bytes";
  }
  return nullptr;
}

const char* log_problem(const logs::LogRecord& record) {
  if (!record.trace_id().empty() && record.trace_id().size() != kTraceIdBytes) {
    return "trace_id must be empty or 16 bytes";
  }
  if (!record.span_id().empty() && record.span_id().size() != kSpanIdBytes) {
    return "span_id must be empty or 8 bytes";
  }
  return nullptr;
}

// Keeps the elements `keep` accepts, in order; returns how many it removed. Swapping pointers
// moves nothing but the elements' addresses.
template <typename T, typename Keep>
int remove_unless(google::protobuf::RepeatedPtrField<T>& field, Keep keep) {
  int kept = 0;
  for (int i = 0; i < field.size(); ++i) {
    if (!keep(*field.Mutable(i))) continue;
    if (i != kept) field.SwapElements(i, kept);
    ++kept;
  }
  const int removed = field.size() - kept;
  if (removed > 0) field.DeleteSubrange(kept, removed);
  return removed;
}

// The shared shape of spans and logs: resources hold scopes hold items. `scopes_of` and
// `items_of` return the mutable repeated fields; `problem` says why an item is invalid.
template <typename Resources, typename ScopesOf, typename ItemsOf, typename Problem>
Validation validate(Resources& resources, ScopesOf scopes_of, ItemsOf items_of, Problem problem) {
  Validation result;
  // A first pass that changes nothing: almost every request is valid.
  for (auto& resource : resources) {
    for (auto& scope : scopes_of(resource)) {
      for (const auto& item : items_of(scope)) {
        if (const char* why = problem(item)) {
          ++result.rejected;
          if (result.reason.empty()) result.reason = why;
        } else {
          ++result.accepted;
        }
      }
    }
  }
  if (result.rejected == 0) return result;
  // Remove the invalid items, then the scopes and resources emptied by that (empty envelopes
  // must not be sent); containers the application sent empty are left as they were.
  remove_unless(resources, [&](auto& resource) {
    auto& scopes = scopes_of(resource);
    const int scopes_before = scopes.size();
    const int emptied = remove_unless(scopes, [&](auto& scope) {
      auto& items = items_of(scope);
      if (items.empty()) return true;
      remove_unless(items, [&](const auto& item) { return problem(item) == nullptr; });
      return !items.empty();
    });
    return scopes_before == 0 || emptied < scopes_before;
  });
  return result;
}

}  // namespace

Validation validate_request(
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  return validate(
      *request.mutable_resource_spans(),
      [](trace::ResourceSpans & r) -> auto& { return *r.mutable_scope_spans(); },
      [](trace::ScopeSpans & s) -> auto& { return *s.mutable_spans(); }, span_problem);
}

Validation validate_request(
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request) {
  return validate(
      *request.mutable_resource_logs(),
      [](logs::ResourceLogs & r) -> auto& { return *r.mutable_scope_logs(); },
      [](logs::ScopeLogs & s) -> auto& { return *s.mutable_log_records(); }, log_problem);
}

Validation validate_request(
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request) {
  Validation result;
  for (const auto& resource : request.resource_metrics()) {
    for (const auto& scope : resource.scope_metrics()) {
      for (const auto& metric : scope.metrics()) {
        switch (metric.data_case()) {
          case metrics::Metric::kGauge:
            result.accepted += static_cast<std::uint64_t>(metric.gauge().data_points_size());
            break;
          case metrics::Metric::kSum:
            result.accepted += static_cast<std::uint64_t>(metric.sum().data_points_size());
            break;
          case metrics::Metric::kHistogram:
            result.accepted += static_cast<std::uint64_t>(metric.histogram().data_points_size());
            break;
          case metrics::Metric::kExponentialHistogram:
            result.accepted +=
                static_cast<std::uint64_t>(metric.exponential_histogram().data_points_size());
            break;
          case metrics::Metric::kSummary:
            result.accepted += static_cast<std::uint64_t>(metric.summary().data_points_size());
            break;
          case metrics::Metric::DATA_NOT_SET:
            break;
        }
      }
    }
  }
  return result;
}

}  // namespace vigil::collectors::otlp
