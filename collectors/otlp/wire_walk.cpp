#include "collectors/otlp/wire_walk.h"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <unordered_map>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "agent/otlp/json_text.h"

namespace vigil::collectors::otlp {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

// What a field means to validation, counting and the resource merge.
enum class Role : std::uint8_t {
  kNone,
  kResourceX,          // ExportXServiceRequest.resource_x: one more ResourceX
  kResourceAttribute,  // Resource.attributes: a KeyValue whose key may be an agent key
  kAttributeKey,       // KeyValue.key
  kSpan,               // ScopeSpans.spans
  kLogRecord,          // ScopeLogs.log_records
  kTraceId,            // Span.trace_id, LogRecord.trace_id
  kSpanId,             // Span.span_id, LogRecord.span_id
  kParentSpanId,       // Span.parent_span_id
  kMetric,             // ScopeMetrics.metrics
  kMetricData,         // a field of Metric's `data` oneof
  kDataPoint,          // Gauge/Sum/Histogram/ExponentialHistogram/Summary.data_points
};

constexpr std::uint8_t kNoWireType = 0xff;
// ParseContext reads tags and lengths of at most 5 bytes (CodedInputStream would take 10).
constexpr int kMaxTagBytes = 5;
constexpr int kMaxLengthBytes = 5;
constexpr std::size_t kTraceIdBytes = 16;
constexpr std::size_t kSpanIdBytes = 8;
constexpr std::size_t kMaxAgentKeys = 64;

struct Field {
  std::uint8_t wire_type = kNoWireType;  // kNoWireType: a field number the type does not have
  bool packable = false;                 // repeated numeric: length-delimited (packed) too
  bool utf8 = false;                     // proto3 `string`
  Role role = Role::kNone;
  std::int32_t child = -1;  // message fields: index of the child's table
};

std::uint8_t wire_type_of(const FieldDescriptor& field) {
  return static_cast<std::uint8_t>(
      WireFormat::WireTypeForFieldType(static_cast<WireFormat::FieldType>(field.type())));
}

bool all_zero(std::string_view id) {
  return std::all_of(id.begin(), id.end(), [](char c) { return c == 0; });
}

}  // namespace

struct WireWalker::Table {
  std::vector<Field> fields;  // by field number
};

namespace {

// Builds one table per message type reachable from the request.
class TableBuilder {
 public:
  explicit TableBuilder(std::vector<WireWalker::Table>& tables) : tables_(tables) {}

  int add(const Descriptor& message) {
    if (auto it = index_.find(&message); it != index_.end()) return it->second;
    const int index = static_cast<int>(tables_.size());
    index_.emplace(&message, index);
    tables_.emplace_back();
    int max_number = 0;
    for (int i = 0; i < message.field_count(); ++i) {
      max_number = std::max(max_number, message.field(i)->number());
    }
    std::vector<Field> fields(static_cast<std::size_t>(max_number) + 1);
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor& descriptor = *message.field(i);
      Field& field = fields[static_cast<std::size_t>(descriptor.number())];
      field.wire_type = wire_type_of(descriptor);
      field.packable = descriptor.is_packable();
      field.utf8 = descriptor.type() == FieldDescriptor::TYPE_STRING &&
                   descriptor.file()->syntax() == google::protobuf::FileDescriptor::SYNTAX_PROTO3;
      if (descriptor.message_type() != nullptr) field.child = add(*descriptor.message_type());
    }
    // Recursion may have grown tables_: index it again.
    tables_[static_cast<std::size_t>(index)].fields = std::move(fields);
    return index;
  }

  // Gives field `name` of `message` its role; returns the field's message type, if any.
  const Descriptor* set_role(const Descriptor& message, std::string_view name, Role role) {
    const FieldDescriptor* descriptor = message.FindFieldByName(std::string(name));
    if (descriptor == nullptr) {
      throw std::logic_error("OTLP schema lacks " + message.full_name() + "." + std::string(name));
    }
    auto& table = tables_[static_cast<std::size_t>(index_.at(&message))];
    table.fields[static_cast<std::size_t>(descriptor->number())].role = role;
    return descriptor->message_type();
  }

 private:
  std::vector<WireWalker::Table>& tables_;
  std::unordered_map<const Descriptor*, int> index_;
};

// One walk: the stream, what the current item collected, and the result.
class Walk {
 public:
  Walk(const std::vector<WireWalker::Table>& tables, const std::vector<std::string>& agent_keys,
       std::string_view bytes, WalkResult& result)
      : tables_(tables),
        agent_keys_(agent_keys),
        base_(bytes.data()),
        in_(reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size())),
        result_(result) {}

  bool run(int size) {
    end_ = size;
    return message(0, Role::kNone, 0);
  }

 private:
  // Reads the fields of one message of table `table`, which ends at end_. The walk keeps its
  // own ends instead of CodedInputStream limits: a field that runs past its message's end is
  // rejected once read (the stream itself never reads past the buffer), and the hot loop
  // saves the library's limit bookkeeping.
  bool message(int table, Role frame, int depth) {
    const auto& fields = tables_[static_cast<std::size_t>(table)].fields;
    while (in_.CurrentPosition() < end_) {
      const int start = in_.CurrentPosition();
      const std::uint32_t tag = in_.ReadTagNoLastTag();
      // A literal 0 tag, or one cut off by the end of the input, fails the parse.
      if (tag == 0) return false;
      if (in_.CurrentPosition() - start > kMaxTagBytes) return false;
      const std::uint32_t number = WireFormat::GetTagFieldNumber(tag);
      const auto wire_type = static_cast<std::uint8_t>(WireFormat::GetTagWireType(tag));
      if (number == 0) return false;
      const Field* field = number < fields.size() ? &fields[number] : nullptr;
      if (field != nullptr && field->wire_type == wire_type) {
        if (!known(*field, number, frame, depth)) return false;
      } else if (field != nullptr && field->packable &&
                 wire_type == WireFormat::WIRETYPE_LENGTH_DELIMITED) {
        if (!packed(field->wire_type)) return false;
      } else if (!unknown(tag, depth)) {
        // A field of the wrong wire type is an unknown field to the parser, as it is here.
        return false;
      }
    }
    return in_.CurrentPosition() == end_;  // the last field ended where the message does
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

  bool known(const Field& field, std::uint32_t number, Role frame, int depth) {
    switch (field.wire_type) {
      case WireFormat::WIRETYPE_VARINT: {
        std::uint64_t value = 0;
        return in_.ReadVarint64(&value);
      }
      case WireFormat::WIRETYPE_FIXED64:
        return in_.Skip(8);
      case WireFormat::WIRETYPE_FIXED32:
        return in_.Skip(4);
      case WireFormat::WIRETYPE_LENGTH_DELIMITED:
        break;
      default:
        return false;  // no OTLP field is a group
    }
    std::uint32_t length = 0;
    if (!read_length(length)) return false;
    if (field.child >= 0) {
      if (depth + 1 > WireWalker::kMaxDepth) return false;
      enter(field.role, number);
      const int outer_end = end_;
      end_ = in_.CurrentPosition() + static_cast<int>(length);
      if (!message(field.child, field.role, depth + 1)) return false;
      end_ = outer_end;
      leave(field.role);
      return true;
    }
    const std::string_view value(base_ + in_.CurrentPosition(), length);
    if (field.utf8 && !vigil::otlp::is_valid_utf8(value)) return false;
    capture(field.role, frame, value);
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
    // Varints, each whole inside the field.
    const int packed_end = in_.CurrentPosition() + static_cast<int>(length);
    while (in_.CurrentPosition() < packed_end) {
      std::uint64_t value = 0;
      if (!in_.ReadVarint64(&value)) return false;
    }
    return in_.CurrentPosition() == packed_end;
  }

  // An unknown field (kept by the parser as unknown): skipped, groups walked.
  bool unknown(std::uint32_t tag, int depth) {
    switch (WireFormat::GetTagWireType(tag)) {
      case WireFormat::WIRETYPE_VARINT: {
        std::uint64_t value = 0;
        return in_.ReadVarint64(&value);
      }
      case WireFormat::WIRETYPE_FIXED64:
        return in_.Skip(8);
      case WireFormat::WIRETYPE_FIXED32:
        return in_.Skip(4);
      case WireFormat::WIRETYPE_LENGTH_DELIMITED: {
        std::uint32_t length = 0;
        return read_length(length) && in_.Skip(static_cast<int>(length));
      }
      case WireFormat::WIRETYPE_START_GROUP:
        return group(tag, depth + 1);
      default:
        // An end-group tag outside its group ends the message where it must not (the parser
        // then fails on the limit), and wire types 6 and 7 do not exist.
        return false;
    }
  }

  bool group(std::uint32_t start_tag, int depth) {
    if (depth > WireWalker::kMaxDepth) return false;
    while (true) {
      // The input or the enclosing message must not end inside the group.
      if (in_.CurrentPosition() >= end_) return false;
      const int start = in_.CurrentPosition();
      const std::uint32_t tag = in_.ReadTagNoLastTag();
      if (tag == 0 || in_.CurrentPosition() > end_) return false;
      if (in_.CurrentPosition() - start > kMaxTagBytes) return false;
      if (WireFormat::GetTagFieldNumber(tag) == 0) return false;
      if (WireFormat::GetTagWireType(tag) == WireFormat::WIRETYPE_END_GROUP) {
        return tag == start_tag + 1;  // the same field number, wire type 4 instead of 3
      }
      if (!unknown(tag, depth)) return false;
    }
  }

  void enter(Role role, std::uint32_t number) {
    switch (role) {
      case Role::kResourceX:
        result_.present_keys.push_back(0);
        break;
      case Role::kResourceAttribute:
        key_ = {};
        break;
      case Role::kSpan:
      case Role::kLogRecord:
        trace_id_ = span_id_ = parent_span_id_ = {};
        break;
      case Role::kMetric:
        metric_case_ = 0;
        metric_points_ = 0;
        break;
      case Role::kMetricData:
        // A oneof keeps the last member set: another member discards what came before.
        if (number != metric_case_) {
          metric_case_ = number;
          metric_points_ = 0;
        }
        break;
      case Role::kDataPoint:
        ++metric_points_;
        break;
      default:
        break;
    }
  }

  // Singular fields keep their last occurrence, as the parser does.
  void capture(Role role, Role frame, std::string_view value) {
    switch (role) {
      case Role::kAttributeKey:
        if (frame == Role::kResourceAttribute) key_ = value;
        break;
      case Role::kTraceId:
        if (frame == Role::kSpan || frame == Role::kLogRecord) trace_id_ = value;
        break;
      case Role::kSpanId:
        if (frame == Role::kSpan || frame == Role::kLogRecord) span_id_ = value;
        break;
      case Role::kParentSpanId:
        if (frame == Role::kSpan) parent_span_id_ = value;
        break;
      default:
        break;
    }
  }

  void leave(Role role) {
    switch (role) {
      case Role::kResourceAttribute:
        if (result_.present_keys.empty()) break;
        for (std::size_t i = 0; i < agent_keys_.size() && i < kMaxAgentKeys; ++i) {
          if (agent_keys_[i] == key_) result_.present_keys.back() |= std::uint64_t{1} << i;
        }
        break;
      case Role::kSpan:
        ++result_.items;
        if (!span_valid()) ++result_.invalid;
        break;
      case Role::kLogRecord:
        ++result_.items;
        if (!log_valid()) ++result_.invalid;
        break;
      case Role::kMetric:
        result_.items += metric_points_;
        break;
      default:
        break;
    }
  }

  // The rules of request_validation.cpp.
  bool span_valid() const {
    return trace_id_.size() == kTraceIdBytes && !all_zero(trace_id_) &&
           span_id_.size() == kSpanIdBytes && !all_zero(span_id_) &&
           (parent_span_id_.empty() || parent_span_id_.size() == kSpanIdBytes);
  }
  bool log_valid() const {
    return (trace_id_.empty() || trace_id_.size() == kTraceIdBytes) &&
           (span_id_.empty() || span_id_.size() == kSpanIdBytes);
  }

  const std::vector<WireWalker::Table>& tables_;
  const std::vector<std::string>& agent_keys_;
  const char* base_;
  CodedInputStream in_;
  int end_ = 0;  // where the message being walked ends (an offset into the input)
  WalkResult& result_;
  std::string_view key_;
  std::string_view trace_id_;
  std::string_view span_id_;
  std::string_view parent_span_id_;
  std::uint32_t metric_case_ = 0;
  std::uint64_t metric_points_ = 0;
};

}  // namespace

WireWalker::WireWalker(const Descriptor& request, core::Signal signal,
                       std::vector<std::string> agent_keys)
    : agent_keys_(std::move(agent_keys)) {
  TableBuilder builder(tables_);
  builder.add(request);
  // Field names of the three levels: resources, scopes, items.
  std::string_view names[3] = {"resource_spans", "scope_spans", "spans"};
  if (signal == core::Signal::kLogs) {
    names[0] = "resource_logs";
    names[1] = "scope_logs";
    names[2] = "log_records";
  } else if (signal == core::Signal::kMetrics) {
    names[0] = "resource_metrics";
    names[1] = "scope_metrics";
    names[2] = "metrics";
  }
  const Descriptor* resource_x = builder.set_role(request, names[0], Role::kResourceX);
  const Descriptor* resource = builder.set_role(*resource_x, "resource", Role::kNone);
  const Descriptor* key_value = builder.set_role(*resource, "attributes", Role::kResourceAttribute);
  builder.set_role(*key_value, "key", Role::kAttributeKey);
  const Descriptor* scope = builder.set_role(*resource_x, names[1], Role::kNone);
  switch (signal) {
    case core::Signal::kTraces: {
      const Descriptor* span = builder.set_role(*scope, names[2], Role::kSpan);
      builder.set_role(*span, "trace_id", Role::kTraceId);
      builder.set_role(*span, "span_id", Role::kSpanId);
      builder.set_role(*span, "parent_span_id", Role::kParentSpanId);
      break;
    }
    case core::Signal::kLogs: {
      const Descriptor* record = builder.set_role(*scope, names[2], Role::kLogRecord);
      builder.set_role(*record, "trace_id", Role::kTraceId);
      builder.set_role(*record, "span_id", Role::kSpanId);
      break;
    }
    case core::Signal::kMetrics: {
      const Descriptor* metric = builder.set_role(*scope, names[2], Role::kMetric);
      const auto* data = metric->FindOneofByName("data");
      if (data == nullptr) throw std::logic_error("OTLP schema lacks Metric.data");
      for (int i = 0; i < data->field_count(); ++i) {
        const Descriptor* kind =
            builder.set_role(*metric, data->field(i)->name(), Role::kMetricData);
        builder.set_role(*kind, "data_points", Role::kDataPoint);
      }
      break;
    }
  }
}

WireWalker::~WireWalker() = default;

bool WireWalker::walk(std::string_view bytes, WalkResult& result) const {
  result.items = 0;
  result.invalid = 0;
  result.present_keys.clear();
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return false;
  Walk walk(tables_, agent_keys_, bytes, result);
  return walk.run(static_cast<int>(bytes.size()));
}

}  // namespace vigil::collectors::otlp
