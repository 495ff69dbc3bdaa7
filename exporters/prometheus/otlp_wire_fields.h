#pragma once

// Reading the fields of one serialized protobuf message in place, with libprotobuf's
// io::CodedInputStream: the OTLP-to-Prometheus translation walks requests this way instead of
// materialising them (otlp_metrics_reader.h). Meant for bytes that parse (otlp_request_check.h
// says so first): malformed input ends the walk early but never reads outside the view.

#include <bit>
#include <cstdint>
#include <string_view>

#include <google/protobuf/io/coded_stream.h>

namespace vigil::exporters::prometheus {

enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLength = 2,
  kFixed32 = 5,
};

// One field: `number` and `type`, then either `value` (varint, fixed64, fixed32 bits) or
// `bytes` (length-delimited, a view into the message).
struct WireField {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t value = 0;
  std::string_view bytes;

  bool is(std::uint32_t n, WireType t) const { return number == n && type == t; }
  double as_double() const { return std::bit_cast<double>(value); }
  // proto3 int32/enum/uint32 keep the low 32 bits of the varint, as the parser does.
  std::uint32_t as_uint32() const { return static_cast<std::uint32_t>(value); }
  std::int32_t as_sint32() const {
    const auto n = static_cast<std::uint32_t>(value);
    return static_cast<std::int32_t>((n >> 1) ^ (~(n & 1) + 1));
  }
};

class WireFields {
 public:
  explicit WireFields(std::string_view message)
      : base_(message.data()),
        size_(static_cast<int>(message.size())),
        in_(reinterpret_cast<const std::uint8_t*>(message.data()), size_) {}

  // The next field; false at the end of the message. Groups (only ever unknown fields in OTLP)
  // are skipped. Inline: requests are walked field by field, most of them tiny messages.
  [[gnu::always_inline]] bool next(WireField& field) {
    while (in_.CurrentPosition() < size_) {
      const std::uint32_t tag = in_.ReadTagNoLastTag();
      if (tag == 0) return false;
      field.number = tag >> 3;
      switch (tag & 7) {
        case 0:
          field.type = WireType::kVarint;
          return in_.ReadVarint64(&field.value);
        case 1:
          field.type = WireType::kFixed64;
          return in_.ReadLittleEndian64(&field.value);
        case 2: {
          field.type = WireType::kLength;
          std::uint32_t length = 0;
          if (!in_.ReadVarint32(&length)) return false;
          const int at = in_.CurrentPosition();
          if (!in_.Skip(static_cast<int>(length))) return false;
          field.bytes = std::string_view(base_ + at, length);
          return true;
        }
        case 5: {
          field.type = WireType::kFixed32;
          std::uint32_t v = 0;
          if (!in_.ReadLittleEndian32(&v)) return false;
          field.value = v;
          return true;
        }
        default:
          if (!skip_other(tag)) return false;
          break;
      }
    }
    return false;
  }

 private:
  // A group is skipped; a stray end-group tag or wire types 6 and 7 end the walk.
  bool skip_other(std::uint32_t tag);  // out of line: never taken on OTLP's own fields

  const char* base_;
  int size_;
  google::protobuf::io::CodedInputStream in_;
};

// The elements of a repeated fixed64/double field, packed or not.
template <typename F>
void for_each_fixed64(const WireField& field, F&& fn) {
  if (field.type == WireType::kFixed64) {
    fn(field.value);
    return;
  }
  if (field.type != WireType::kLength) return;
  const auto* p = reinterpret_cast<const std::uint8_t*>(field.bytes.data());
  for (std::size_t i = 0; i + 8 <= field.bytes.size(); i += 8) {
    std::uint64_t v = 0;
    google::protobuf::io::CodedInputStream::ReadLittleEndian64FromArray(p + i, &v);
    fn(v);
  }
}

// The elements of a repeated varint field, packed or not.
template <typename F>
void for_each_varint(const WireField& field, F&& fn) {
  if (field.type == WireType::kVarint) {
    fn(field.value);
    return;
  }
  if (field.type != WireType::kLength) return;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const std::uint8_t*>(field.bytes.data()),
      static_cast<int>(field.bytes.size()));
  std::uint64_t v = 0;
  while (in.CurrentPosition() < static_cast<int>(field.bytes.size()) && in.ReadVarint64(&v)) {
    fn(v);
  }
}

}  // namespace vigil::exporters::prometheus
