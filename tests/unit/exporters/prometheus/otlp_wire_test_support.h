#pragma once

// Hand-assembled protobuf bytes for the wire-level reader tests: fields written one by one, so
// tests can build what the generated classes never serialize (repeated singular fields, fields
// out of order, unpacked repeated numbers, unknown fields, groups).

#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

namespace vigil::exporters::prometheus::testing {

using WireFormat = google::protobuf::internal::WireFormatLite;

// Writes with libprotobuf's own encoder into a string.
template <typename F>
std::string encoded(F&& write) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    write(coded);
  }
  return out;
}

inline std::string len_field(std::uint32_t number, std::string_view bytes) {
  return encoded([&](google::protobuf::io::CodedOutputStream& o) {
    o.WriteTag(WireFormat::MakeTag(number, WireFormat::WIRETYPE_LENGTH_DELIMITED));
    o.WriteVarint32(static_cast<std::uint32_t>(bytes.size()));
    o.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
  });
}

inline std::string varint_field(std::uint32_t number, std::uint64_t value) {
  return encoded([&](google::protobuf::io::CodedOutputStream& o) {
    o.WriteTag(WireFormat::MakeTag(number, WireFormat::WIRETYPE_VARINT));
    o.WriteVarint64(value);
  });
}

inline std::string fixed64_field(std::uint32_t number, std::uint64_t value) {
  return encoded([&](google::protobuf::io::CodedOutputStream& o) {
    o.WriteTag(WireFormat::MakeTag(number, WireFormat::WIRETYPE_FIXED64));
    o.WriteLittleEndian64(value);
  });
}

inline std::string double_field(std::uint32_t number, double value) {
  return fixed64_field(number, WireFormat::EncodeDouble(value));
}

// A group (wire types 3 and 4) holding `body`.
inline std::string group_field(std::uint32_t number, std::string_view body) {
  return encoded([&](google::protobuf::io::CodedOutputStream& o) {
           o.WriteTag(WireFormat::MakeTag(number, WireFormat::WIRETYPE_START_GROUP));
         }) +
         std::string(body) + encoded([&](google::protobuf::io::CodedOutputStream& o) {
           o.WriteTag(WireFormat::MakeTag(number, WireFormat::WIRETYPE_END_GROUP));
         });
}

}  // namespace vigil::exporters::prometheus::testing
