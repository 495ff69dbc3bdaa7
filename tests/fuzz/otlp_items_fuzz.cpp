// Serialized OTLP export requests (what the receiver and the disk queue hand on): splitting
// them into single items and encoding each as OTLP JSON (the stdout exporter's path).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "agent/otlp/item_split.h"
#include "agent/otlp/otlp_json.h"

// Invalid UTF-8 in string fields is a parse error protobuf also logs: keep the output readable.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using vigil::core::Signal;
  constexpr Signal kSignals[] = {Signal::kMetrics, Signal::kLogs, Signal::kTraces};
  const Signal signal = kSignals[data[0] % 3];
  std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string json;
  (void)vigil::otlp::for_each_item(signal, payload, [&](const google::protobuf::Message& item) {
    json.clear();
    vigil::otlp::append_otlp_json(item, json);
    if (json.empty() || json.front() != '{' || json.back() != '}') __builtin_trap();
  });
  return 0;
}
