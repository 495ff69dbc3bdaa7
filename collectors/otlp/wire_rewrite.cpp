#include "collectors/otlp/wire_rewrite.h"

#include <cstdint>
#include <optional>

namespace vigil::collectors::otlp {

namespace {

constexpr std::uint32_t kWireVarint = 0;
constexpr std::uint32_t kWireFixed64 = 1;
constexpr std::uint32_t kWireLengthDelimited = 2;
constexpr std::uint32_t kWireFixed32 = 5;
constexpr std::size_t kMaxVarintBytes = 10;

// Reads a varint at `pos`, advancing it; nullopt when truncated or longer than 10 bytes.
std::optional<std::uint64_t> read_varint(std::string_view data, std::size_t& pos) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes && pos < data.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(data[pos++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

}  // namespace

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

core::Result<std::string> append_to_resources(std::string_view request,
                                              std::span<const std::string_view> extras) {
  std::size_t extra_bytes = 0;
  for (auto extra : extras) extra_bytes += extra.size() + kMaxVarintBytes;
  std::string out;
  out.reserve(request.size() + extra_bytes);

  std::size_t index = 0;  // field-1 occurrences seen
  std::size_t pos = 0;
  while (pos < request.size()) {
    const std::size_t field_start = pos;
    const auto tag = read_varint(request, pos);
    if (!tag) return core::make_error("truncated tag");
    const auto wire_type = static_cast<std::uint32_t>(*tag & 7);
    const std::uint64_t field = *tag >> 3;
    switch (wire_type) {
      case kWireVarint:
        if (!read_varint(request, pos)) return core::make_error("truncated varint");
        break;
      case kWireFixed64:
        pos += 8;
        break;
      case kWireFixed32:
        pos += 4;
        break;
      case kWireLengthDelimited: {
        const auto length = read_varint(request, pos);
        if (!length || *length > request.size() - pos) {
          return core::make_error("truncated length-delimited field");
        }
        if (field == 1) {
          if (index >= extras.size()) return core::make_error("more resources than expected");
          const std::string_view body = request.substr(pos, *length);
          const std::string_view extra = extras[index++];
          append_varint(out, *tag);
          append_varint(out, body.size() + extra.size());
          out.append(body);
          out.append(extra);
          pos += *length;
          continue;
        }
        pos += *length;
        break;
      }
      default:
        // Groups (3, 4) are not part of OTLP; re-serializing handles them.
        return core::make_error("unexpected wire type");
    }
    if (pos > request.size()) return core::make_error("truncated field");
    out.append(request.substr(field_start, pos - field_start));  // unknown top-level field
  }
  if (index != extras.size()) return core::make_error("fewer resources than expected");
  return out;
}

}  // namespace vigil::collectors::otlp
