// The OTLP receiver's wire walk (collectors/otlp/wire_walk.h) against protobuf's parser: the
// walk must accept exactly what ParseFromArray accepts, and when it does, count the items the
// parsed request holds, flag the ones validation removes, and see the same resource keys.
// Input: one byte choosing the signal (as otlp_items), then the request bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>

#include "collectors/otlp/request_validation.h"
#include "collectors/otlp/wire_walk.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

namespace collector = opentelemetry::proto::collector;
using vigil::collectors::otlp::WalkResult;
using vigil::collectors::otlp::WireWalker;
using vigil::core::Signal;

const std::vector<std::string> kAgentKeys = {"host.name", "os.type", "service.name"};

std::uint64_t keys_present(const opentelemetry::proto::resource::v1::Resource& resource) {
  std::uint64_t bits = 0;
  for (const auto& kv : resource.attributes()) {
    for (std::size_t i = 0; i < kAgentKeys.size(); ++i) {
      if (kv.key() == kAgentKeys[i]) bits |= std::uint64_t{1} << i;
    }
  }
  return bits;
}

template <typename Request, typename Resources>
void check(const WireWalker& walker, std::string_view bytes, Resources resources_of) {
  WalkResult walked;
  const bool accepted = walker.walk(bytes, walked);
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  const bool parsed = request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  if (accepted != parsed) __builtin_trap();
  if (!parsed) return;
  const auto& resources = resources_of(*request);
  if (walked.present_keys.size() != static_cast<std::size_t>(resources.size())) __builtin_trap();
  for (int i = 0; i < resources.size(); ++i) {
    if (walked.present_keys[static_cast<std::size_t>(i)] !=
        keys_present(resources.Get(i).resource())) {
      __builtin_trap();
    }
  }
  const auto validation = vigil::collectors::otlp::validate_request(*request);
  if (walked.items != validation.accepted + validation.rejected) __builtin_trap();
  if (walked.invalid != validation.rejected) __builtin_trap();
}

}  // namespace

// Invalid UTF-8 in string fields is a parse error protobuf also logs: keep the output readable.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const WireWalker traces(*collector::trace::v1::ExportTraceServiceRequest::descriptor(),
                                 Signal::kTraces, kAgentKeys);
  static const WireWalker logs(*collector::logs::v1::ExportLogsServiceRequest::descriptor(),
                               Signal::kLogs, kAgentKeys);
  static const WireWalker metrics(
      *collector::metrics::v1::ExportMetricsServiceRequest::descriptor(), Signal::kMetrics,
      kAgentKeys);
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {  // the order of otlp_items: metrics, logs, traces
    case 0:
      check<collector::metrics::v1::ExportMetricsServiceRequest>(
          metrics, bytes, [](auto& r) -> auto& { return r.resource_metrics(); });
      break;
    case 1:
      check<collector::logs::v1::ExportLogsServiceRequest>(
          logs, bytes, [](auto& r) -> auto& { return r.resource_logs(); });
      break;
    default:
      check<collector::trace::v1::ExportTraceServiceRequest>(
          traces, bytes, [](auto& r) -> auto& { return r.resource_spans(); });
      break;
  }
  return 0;
}
