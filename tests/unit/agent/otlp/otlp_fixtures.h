#pragma once

// Builders for OTLP test messages, shared by the otlp and exporter unit tests.

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/common/v1/common.pb.h"

namespace vigil::otlp::testing {

namespace common = opentelemetry::proto::common::v1;

inline constexpr std::string_view kTraceIdHex = "5b8efff798038103d269b633813fc60c";
inline constexpr std::string_view kSpanIdHex = "eee19b7ec3c1b174";

// "0aff" -> "\x0a\xff"
inline std::string bytes_from_hex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  }
  return out;
}

inline void add_string(google::protobuf::RepeatedPtrField<common::KeyValue>& attrs, std::string key,
                       std::string value) {
  auto& kv = *attrs.Add();
  kv.set_key(std::move(key));
  kv.mutable_value()->set_string_value(std::move(value));
}

}  // namespace vigil::otlp::testing
