#include "exporters/prometheus/otlp_wire_fields.h"

#include <google/protobuf/wire_format_lite.h>

namespace vigil::exporters::prometheus {

namespace {
using WireFormat = google::protobuf::internal::WireFormatLite;
}  // namespace

bool WireFields::next(WireField& field) {
  while (true) {
    const std::uint32_t tag = in_.ReadTagNoLastTag();
    if (tag == 0) return false;
    field.number = WireFormat::GetTagFieldNumber(tag);
    switch (WireFormat::GetTagWireType(tag)) {
      case WireFormat::WIRETYPE_VARINT:
        field.type = WireType::kVarint;
        return in_.ReadVarint64(&field.value);
      case WireFormat::WIRETYPE_FIXED64:
        field.type = WireType::kFixed64;
        return in_.ReadLittleEndian64(&field.value);
      case WireFormat::WIRETYPE_FIXED32: {
        field.type = WireType::kFixed32;
        std::uint32_t v = 0;
        if (!in_.ReadLittleEndian32(&v)) return false;
        field.value = v;
        return true;
      }
      case WireFormat::WIRETYPE_LENGTH_DELIMITED: {
        field.type = WireType::kLength;
        std::uint32_t length = 0;
        if (!in_.ReadVarint32(&length)) return false;
        const int at = in_.CurrentPosition();
        if (!in_.Skip(static_cast<int>(length))) return false;
        field.bytes = std::string_view(base_ + at, length);
        return true;
      }
      default:
        // Wire types 6 and 7 or a stray end-group tag end the walk; groups are skipped.
        if (!WireFormat::SkipField(&in_, tag)) return false;
        break;
    }
  }
}

}  // namespace vigil::exporters::prometheus
