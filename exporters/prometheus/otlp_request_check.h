#pragma once

// Whether a serialized ExportMetricsServiceRequest can be translated straight from its bytes.
// The translation reads requests in place (otlp_metrics_reader.h) and must accept exactly what
// Message::ParseFromArray accepts and see what the parsed message holds. This check walks the
// bytes once with io::CodedInputStream, driven by tables built once from the message
// Descriptors, and answers kDirect only when the bytes certainly parse (tags of at most 5
// bytes and field number > 0, varints of at most 10 bytes, lengths of at most 5 bytes inside
// their message, packed fields that decode exactly, valid UTF-8 in every `string` field, at
// most 100 nested messages) and hold every singular message field at most once per message
// (the parser would merge repeats). Anything else (groups, merges, malformed bytes) is
// kParse: the caller lets libprotobuf decide, and translates its re-serialized message.

#include <cstdint>
#include <string_view>
#include <vector>

namespace vigil::exporters::prometheus {

class OtlpRequestCheck {
 public:
  enum class Verdict : std::uint8_t { kDirect, kParse };

  OtlpRequestCheck();
  ~OtlpRequestCheck();
  OtlpRequestCheck(const OtlpRequestCheck&) = delete;
  OtlpRequestCheck& operator=(const OtlpRequestCheck&) = delete;

  Verdict check(std::string_view request) const;

  // io::CodedInputStream::GetDefaultRecursionLimit().
  static constexpr int kMaxDepth = 100;

  struct Table;  // one per message type (otlp_request_check.cpp)

 private:
  std::vector<Table> tables_;  // tables_[0] is ExportMetricsServiceRequest
};

}  // namespace vigil::exporters::prometheus
