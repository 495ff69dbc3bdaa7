#include "collectors/dummy/dummy_payload.h"

#include <algorithm>

#include <google/protobuf/arena.h>

#include "agent/otlp/resource.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "vigil/version.h"

namespace vigil::collectors::dummy {

namespace {

namespace common = opentelemetry::proto::common::v1;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace trace = opentelemetry::proto::trace::v1;
using google::protobuf::RepeatedPtrField;

constexpr std::string_view kScopeName = "vigil.dummy";
constexpr std::int64_t kSpanDurationNanos = 1'000'000;  // 1 ms

// SplitMix64's finalizer: a bijection on 64-bit values with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

template <std::size_t N>
void put_be64(std::array<std::uint8_t, N>& out, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

template <std::size_t N>
void never_zero(std::array<std::uint8_t, N>& id) {
  if (std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; })) id[N - 1] = 1;
}

void set_scope(common::InstrumentationScope* scope) {
  scope->set_name(std::string(kScopeName));
  scope->set_version(vigil::kVersion);
}

void add_attributes(const DummyConfig& config, std::uint64_t seq, bool with_seq,
                    RepeatedPtrField<common::KeyValue>* out) {
  out->Reserve(static_cast<int>(config.attributes.size()) + 1);
  for (const auto& [key, value] : config.attributes) {
    auto* kv = out->Add();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
  }
  if (with_seq) {
    auto* kv = out->Add();
    kv->set_key(std::string(kSeqAttribute));
    kv->mutable_value()->set_int_value(static_cast<std::int64_t>(seq));
  }
}

std::string build_logs(const DummyConfig& config, const DummyBatchInput& in,
                       const otlp::ResourceInfo& resource, google::protobuf::Arena& arena) {
  auto* request = google::protobuf::Arena::CreateMessage<
      opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest>(&arena);
  auto* resource_logs = request->add_resource_logs();
  otlp::fill_resource(resource, resource_logs->mutable_resource());
  auto* scope_logs = resource_logs->add_scope_logs();
  set_scope(scope_logs->mutable_scope());
  auto* records = scope_logs->mutable_log_records();
  records->Reserve(static_cast<int>(in.records));
  const auto now = static_cast<std::uint64_t>(in.now_unix_nanos);
  for (std::uint64_t k = 0; k < in.records; ++k) {
    auto* record = records->Add();
    record->set_time_unix_nano(now);
    record->set_observed_time_unix_nano(now);
    record->set_severity_number(logs::SEVERITY_NUMBER_INFO);
    record->set_severity_text("INFO");
    record->mutable_body()->set_string_value(config.body);
    add_attributes(config, in.first_seq + k, true, record->mutable_attributes());
  }
  return request->SerializeAsString();
}

std::string build_traces(const DummyConfig& config, const DummyBatchInput& in,
                         const otlp::ResourceInfo& resource, google::protobuf::Arena& arena) {
  auto* request = google::protobuf::Arena::CreateMessage<
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest>(&arena);
  auto* resource_spans = request->add_resource_spans();
  otlp::fill_resource(resource, resource_spans->mutable_resource());
  auto* scope_spans = resource_spans->add_scope_spans();
  set_scope(scope_spans->mutable_scope());
  auto* spans = scope_spans->mutable_spans();
  spans->Reserve(static_cast<int>(in.records));
  const auto end = static_cast<std::uint64_t>(in.now_unix_nanos);
  const auto start =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, in.now_unix_nanos - kSpanDurationNanos));
  for (std::uint64_t k = 0; k < in.records; ++k) {
    const std::uint64_t seq = in.first_seq + k;
    auto* span = spans->Add();
    const auto trace_id = dummy_trace_id(in.id_salt, seq);
    const auto span_id = dummy_span_id(in.id_salt, seq);
    span->set_trace_id(trace_id.data(), trace_id.size());
    span->set_span_id(span_id.data(), span_id.size());
    span->set_name(config.body);
    span->set_kind(trace::Span::SPAN_KIND_INTERNAL);
    span->set_start_time_unix_nano(start);
    span->set_end_time_unix_nano(end);
    add_attributes(config, seq, true, span->mutable_attributes());
  }
  return request->SerializeAsString();
}

std::string build_metrics(const DummyConfig& config, const DummyBatchInput& in,
                          const otlp::ResourceInfo& resource, google::protobuf::Arena& arena) {
  auto* request = google::protobuf::Arena::CreateMessage<
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest>(&arena);
  auto* resource_metrics = request->add_resource_metrics();
  otlp::fill_resource(resource, resource_metrics->mutable_resource());
  auto* scope_metrics = resource_metrics->add_scope_metrics();
  set_scope(scope_metrics->mutable_scope());

  auto* records = scope_metrics->add_metrics();
  records->set_name("dummy.records");
  records->set_description("Records the dummy collector generated since its start.");
  records->set_unit("{record}");
  auto* sum = records->mutable_sum();
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->set_is_monotonic(true);
  sum->mutable_data_points()->Reserve(static_cast<int>(in.records));

  auto* value = scope_metrics->add_metrics();
  value->set_name("dummy.value");
  value->set_description("The record's sequence number (dummy.seq).");
  value->set_unit("1");
  auto* gauge = value->mutable_gauge();
  gauge->mutable_data_points()->Reserve(static_cast<int>(in.records));

  for (std::uint64_t k = 0; k < in.records; ++k) {
    // Record k's nominal time: the last record of the batch is due now.
    const std::int64_t back = static_cast<std::int64_t>(in.records - 1 - k) * in.spacing_nanos;
    const auto time =
        static_cast<std::uint64_t>(std::max(in.start_unix_nanos, in.now_unix_nanos - back));

    auto* count_point = sum->add_data_points();
    count_point->set_start_time_unix_nano(static_cast<std::uint64_t>(in.start_unix_nanos));
    count_point->set_time_unix_nano(time);
    count_point->set_as_int(static_cast<std::int64_t>(in.generated_before + k + 1));
    add_attributes(config, 0, false, count_point->mutable_attributes());

    auto* value_point = gauge->add_data_points();
    value_point->set_time_unix_nano(time);
    value_point->set_as_int(static_cast<std::int64_t>(in.first_seq + k));
    add_attributes(config, 0, false, value_point->mutable_attributes());
  }
  return request->SerializeAsString();
}

}  // namespace

std::array<std::uint8_t, 16> dummy_trace_id(std::uint64_t salt, std::uint64_t seq) {
  std::array<std::uint8_t, 16> id{};
  put_be64(id, 0, mix64(salt ^ mix64(2 * seq)));
  put_be64(id, 8, mix64(salt ^ mix64(2 * seq + 1)));
  never_zero(id);
  return id;
}

std::array<std::uint8_t, 8> dummy_span_id(std::uint64_t salt, std::uint64_t seq) {
  std::array<std::uint8_t, 8> id{};
  put_be64(id, 0, mix64(~salt ^ mix64(seq)));
  never_zero(id);
  return id;
}

DummyPayload build_dummy_payload(const DummyConfig& config, const DummyBatchInput& input,
                                 const otlp::ResourceInfo& resource) {
  google::protobuf::Arena arena;
  DummyPayload out;
  switch (config.signal) {
    case core::Signal::kLogs:
      out.payload = build_logs(config, input, resource, arena);
      out.items = input.records;
      break;
    case core::Signal::kTraces:
      out.payload = build_traces(config, input, resource, arena);
      out.items = input.records;
      break;
    case core::Signal::kMetrics:
      out.payload = build_metrics(config, input, resource, arena);
      out.items = 2 * input.records;  // one point of each metric per record
      break;
  }
  return out;
}

}  // namespace vigil::collectors::dummy
