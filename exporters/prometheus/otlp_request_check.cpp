#include "exporters/prometheus/otlp_request_check.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_map>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace vigil::exporters::prometheus {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

constexpr std::uint8_t kNoWireType = 0xff;
// ParseContext reads tags and lengths of at most 5 bytes (CodedInputStream would take 10).
constexpr int kMaxTagBytes = 5;
constexpr int kMaxLengthBytes = 5;
// Field numbers whose repeats are tracked in a 64-bit mask (every OTLP field number is lower).
constexpr std::uint32_t kTrackedNumbers = 64;

struct Field {
  std::uint8_t wire_type = kNoWireType;  // kNoWireType: a field number the type does not have
  bool packable = false;                 // repeated numeric: length-delimited (packed) too
  bool utf8 = false;                     // proto3 `string`
  bool singular_message = false;         // the parser merges repeats of it
  std::int32_t child = -1;               // message fields: index of the child's table
};

}  // namespace

struct OtlpRequestCheck::Table {
  std::vector<Field> fields;  // by field number
};

namespace {

bool is_ascii(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, s.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) return false;
  }
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0x80) != 0) return false;
  }
  return true;
}

int add_table(const Descriptor& message, std::vector<OtlpRequestCheck::Table>& tables,
              std::unordered_map<const Descriptor*, int>& index) {
  if (auto it = index.find(&message); it != index.end()) return it->second;
  const int at = static_cast<int>(tables.size());
  index.emplace(&message, at);
  tables.emplace_back();
  int max_number = 0;
  for (int i = 0; i < message.field_count(); ++i) {
    max_number = std::max(max_number, message.field(i)->number());
  }
  std::vector<Field> fields(static_cast<std::size_t>(max_number) + 1);
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& d = *message.field(i);
    Field& f = fields[static_cast<std::size_t>(d.number())];
    f.wire_type = static_cast<std::uint8_t>(
        WireFormat::WireTypeForFieldType(static_cast<WireFormat::FieldType>(d.type())));
    f.packable = d.is_packable();
    f.utf8 = d.type() == FieldDescriptor::TYPE_STRING &&
             d.file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3;
    f.singular_message = d.message_type() != nullptr && !d.is_repeated();
    if (d.message_type() != nullptr) f.child = add_table(*d.message_type(), tables, index);
  }
  // Recursion may have grown `tables`: index it again.
  tables[static_cast<std::size_t>(at)].fields = std::move(fields);
  return at;
}

class Walk {
 public:
  Walk(const std::vector<OtlpRequestCheck::Table>& tables, std::string_view bytes)
      : tables_(tables),
        base_(bytes.data()),
        in_(reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size())),
        end_(static_cast<int>(bytes.size())) {}

  bool run() { return message(0, 0); }

 private:
  // The fields of one message of table `table`, which ends at end_.
  bool message(int table, int depth) {
    const auto& fields = tables_[static_cast<std::size_t>(table)].fields;
    std::uint64_t seen = 0;  // singular message fields met so far
    while (in_.CurrentPosition() < end_) {
      const int start = in_.CurrentPosition();
      const std::uint32_t tag = in_.ReadTagNoLastTag();
      if (tag == 0 || in_.CurrentPosition() - start > kMaxTagBytes) return false;
      const std::uint32_t number = WireFormat::GetTagFieldNumber(tag);
      const auto wire_type = static_cast<std::uint8_t>(WireFormat::GetTagWireType(tag));
      if (number == 0) return false;
      const Field* field = number < fields.size() ? &fields[number] : nullptr;
      if (field != nullptr && field->wire_type == wire_type) {
        if (field->singular_message) {
          if (number >= kTrackedNumbers) return false;
          const std::uint64_t bit = std::uint64_t{1} << number;
          if ((seen & bit) != 0) return false;  // the parser merges: let it
          seen |= bit;
        }
        if (!known(*field, depth)) return false;
      } else if (field != nullptr && field->packable &&
                 wire_type == WireFormat::WIRETYPE_LENGTH_DELIMITED) {
        if (!packed(field->wire_type)) return false;
      } else if (!unknown(wire_type)) {
        return false;
      }
    }
    return in_.CurrentPosition() == end_;
  }

  bool read_length(std::uint32_t& length) {
    const int start = in_.CurrentPosition();
    std::uint64_t value = 0;
    if (!in_.ReadVarint64(&value)) return false;
    const int position = in_.CurrentPosition();
    if (position - start > kMaxLengthBytes || value > INT_MAX) return false;
    if (position > end_ || value > static_cast<std::uint64_t>(end_ - position)) return false;
    length = static_cast<std::uint32_t>(value);
    return true;
  }

  bool scalar(std::uint8_t wire_type) {
    switch (wire_type) {
      case WireFormat::WIRETYPE_VARINT: {
        std::uint64_t value = 0;
        return in_.ReadVarint64(&value);
      }
      case WireFormat::WIRETYPE_FIXED64:
        return in_.Skip(8);
      case WireFormat::WIRETYPE_FIXED32:
        return in_.Skip(4);
      default:
        return false;
    }
  }

  bool known(const Field& field, int depth) {
    if (field.wire_type != WireFormat::WIRETYPE_LENGTH_DELIMITED) return scalar(field.wire_type);
    std::uint32_t length = 0;
    if (!read_length(length)) return false;
    if (field.child >= 0) {
      if (depth + 1 > OtlpRequestCheck::kMaxDepth) return false;
      const int outer_end = end_;
      end_ = in_.CurrentPosition() + static_cast<int>(length);
      if (!message(field.child, depth + 1)) return false;
      end_ = outer_end;
      return true;
    }
    const std::string_view value(base_ + in_.CurrentPosition(), length);
    // The parser's own rule (protobuf 3.21 checks proto3 strings with it), after a scan that
    // clears the usual all-ASCII text faster.
    if (field.utf8 && !is_ascii(value) &&
        !google::protobuf::internal::IsStructurallyValidUTF8(value.data(),
                                                             static_cast<int>(value.size()))) {
      return false;
    }
    return in_.Skip(static_cast<int>(length));
  }

  bool packed(std::uint8_t element_wire_type) {
    std::uint32_t length = 0;
    if (!read_length(length)) return false;
    switch (element_wire_type) {
      case WireFormat::WIRETYPE_FIXED64:
        return length % 8 == 0 && in_.Skip(static_cast<int>(length));
      case WireFormat::WIRETYPE_FIXED32:
        return length % 4 == 0 && in_.Skip(static_cast<int>(length));
      default:
        break;
    }
    const int packed_end = in_.CurrentPosition() + static_cast<int>(length);
    while (in_.CurrentPosition() < packed_end) {
      std::uint64_t value = 0;
      if (!in_.ReadVarint64(&value)) return false;
    }
    return in_.CurrentPosition() == packed_end;
  }

  // An unknown field (also a known number of another wire type): skipped. Groups are left to
  // the parser.
  bool unknown(std::uint8_t wire_type) {
    if (wire_type != WireFormat::WIRETYPE_LENGTH_DELIMITED) return scalar(wire_type);
    std::uint32_t length = 0;
    return read_length(length) && in_.Skip(static_cast<int>(length));
  }

  const std::vector<OtlpRequestCheck::Table>& tables_;
  const char* base_;
  CodedInputStream in_;
  int end_;  // where the message being walked ends (an offset into the input)
};

}  // namespace

OtlpRequestCheck::OtlpRequestCheck() {
  std::unordered_map<const Descriptor*, int> index;
  add_table(
      *opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest::descriptor(),
      tables_, index);
}

OtlpRequestCheck::~OtlpRequestCheck() = default;

OtlpRequestCheck::Verdict OtlpRequestCheck::check(std::string_view request) const {
  if (request.size() > static_cast<std::size_t>(INT_MAX)) return Verdict::kParse;
  Walk walk(tables_, request);
  return walk.run() ? Verdict::kDirect : Verdict::kParse;
}

}  // namespace vigil::exporters::prometheus
