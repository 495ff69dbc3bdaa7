#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/signal.h"

namespace google::protobuf {
class Descriptor;
}

namespace vigil::collectors::otlp {

// What one walk over a serialized Export*ServiceRequest found.
struct WalkResult {
  // Items (spans, log records, data points) the parsed message would hold, valid or not.
  std::uint64_t items = 0;
  // Items request_validation.h would remove (bad span or log ids); the caller then parses.
  std::uint64_t invalid = 0;
  // Per ResourceSpans/ResourceMetrics/ResourceLogs, in order: bit i set when its resource
  // already has an attribute whose key is agent key i.
  std::vector<std::uint64_t> present_keys;
};

// Validates and counts a serialized Export*ServiceRequest without materialising it: one pass
// of google::protobuf::io::CodedInputStream over the bytes, driven by tables built once from the
// message Descriptors. It accepts exactly what Message::ParseFromArray accepts for the request
// type (protobuf 3.21): tags of at most 5 bytes and field number > 0, varints of at most 10
// bytes, lengths of at most 5 bytes and within their enclosing message, packed fields that
// decode exactly, well-formed UTF-8 in every `string` field, unknown fields including groups
// (a field of the wrong wire type is an unknown field), and at most 100 nested messages or
// groups. Parsing then costs nothing per item but the walk, which allocates nothing besides
// `present_keys`.
class WireWalker {
 public:
  // `request`: the descriptor of the Export*ServiceRequest of `signal`. `agent_keys`: the keys
  // of the agent's resource attributes (only the first 64 are looked for: callers with more
  // merge on the parsed message).
  WireWalker(const google::protobuf::Descriptor& request, core::Signal signal,
             std::vector<std::string> agent_keys);
  ~WireWalker();
  WireWalker(const WireWalker&) = delete;
  WireWalker& operator=(const WireWalker&) = delete;

  // False when ParseFromArray would fail on `bytes`; `result` is then meaningless.
  bool walk(std::string_view bytes, WalkResult& result) const;

  // The depth protobuf's parser allows (io::CodedInputStream::GetDefaultRecursionLimit()).
  static constexpr int kMaxDepth = 100;

  struct Table;  // one per message type: what each field number is (wire_walk.cpp)

 private:
  std::vector<std::string> agent_keys_;
  std::vector<Table> tables_;  // tables_[0] is the request
};

}  // namespace vigil::collectors::otlp
