#include "collectors/tail/log_batch_builder.h"

#include <bit>
#include <cstring>

#include "collectors/tail/utf8.h"

namespace vigil::collectors::tail {

namespace {

// Tags (field number << 3 | wire type).
constexpr char kTagLen1 = 0x0A;            // field 1, LEN
constexpr char kTagLen2 = 0x12;            // field 2, LEN
constexpr char kTagTime = 0x09;            // LogRecord.time_unix_nano, fixed64
constexpr char kTagSeverityNumber = 0x10;  // LogRecord.severity_number, varint
constexpr char kTagSeverityText = 0x1A;    // LogRecord.severity_text
constexpr char kTagBody = 0x2A;            // LogRecord.body (AnyValue)
constexpr char kTagAttribute = 0x32;       // LogRecord.attributes (KeyValue)
constexpr char kTagObservedTime = 0x59;    // LogRecord.observed_time_unix_nano, fixed64
constexpr char kTagBool = 0x10;            // AnyValue.bool_value
constexpr char kTagInt = 0x18;             // AnyValue.int_value
constexpr char kTagDouble = 0x21;          // AnyValue.double_value, fixed64

std::size_t len_field_size(std::size_t payload) { return 1 + wire::varint_size(payload) + payload; }

// memcpy of a view that may be empty (and then null, which memcpy must not get).
char* copy_bytes(char* out, std::string_view bytes) {
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

char* put_fixed64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) *out++ = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// A string about to be written: its bytes and the size it will have once sanitized.
struct Text {
  std::string_view bytes;
  std::size_t size = 0;
  bool valid = true;
  explicit Text(std::string_view b) : bytes(b) {
    valid = is_valid_utf8(b);
    size = valid ? b.size() : sanitized_utf8_size(b);
  }
  char* write(char* out) const {
    if (valid) return copy_bytes(out, bytes);
    return write_sanitized_utf8(bytes, out);
  }
};

// AnyValue for a typed parser value; `text` is its sanitized text for strings.
std::size_t any_value_size(const FieldValue& v, const Text& text) {
  switch (v.type) {
    case FieldType::kString:
      return len_field_size(text.size);
    case FieldType::kInt:
      return 1 + wire::varint_size(static_cast<std::uint64_t>(v.int_value));
    case FieldType::kDouble:
      return 1 + 8;
    case FieldType::kBool:
      return 2;
    case FieldType::kNull:
      return 0;  // an empty AnyValue
  }
  return 0;
}

char* put_any_value(char* out, const FieldValue& v, const Text& text) {
  switch (v.type) {
    case FieldType::kString:
      *out++ = kTagLen1;
      out = wire::put_varint(out, text.size);
      return text.write(out);
    case FieldType::kInt:
      *out++ = kTagInt;
      return wire::put_varint(out, static_cast<std::uint64_t>(v.int_value));
    case FieldType::kDouble:
      *out++ = kTagDouble;
      return put_fixed64(out, std::bit_cast<std::uint64_t>(v.double_value));
    case FieldType::kBool:
      *out++ = kTagBool;
      *out++ = v.bool_value ? 1 : 0;
      return out;
    case FieldType::kNull:
      return out;
  }
  return out;
}

}  // namespace

namespace wire {

std::size_t varint_size(std::uint64_t value) {
  // 1 + floor(bits / 7), with 0 taking one byte.
  const int bits = 64 - std::countl_zero(value | 1);
  return static_cast<std::size_t>((bits + 6) / 7);
}

char* put_varint(char* out, std::uint64_t value) {
  while (value >= 0x80) {
    *out++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

void append_varint(std::string& out, std::uint64_t value) {
  char buffer[10];
  out.append(buffer, static_cast<std::size_t>(put_varint(buffer, value) - buffer));
}

void append_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes) {
  append_varint(out, (static_cast<std::uint64_t>(field) << 3) | 2);
  append_varint(out, bytes.size());
  out.append(bytes);
}

void append_string_attribute(std::string& out, std::uint32_t field, std::string_view key,
                             std::string_view value) {
  const Text k(key);
  const Text v(value);
  const std::size_t any = len_field_size(v.size);
  const std::size_t kv = len_field_size(k.size) + len_field_size(any);
  std::string encoded(len_field_size(kv) + 4, '\0');
  char* p = encoded.data();
  p = put_varint(p, (static_cast<std::uint64_t>(field) << 3) | 2);
  p = put_varint(p, kv);
  *p++ = kTagLen1;
  p = put_varint(p, k.size);
  p = k.write(p);
  *p++ = kTagLen2;
  p = put_varint(p, any);
  *p++ = kTagLen1;
  p = put_varint(p, v.size);
  p = v.write(p);
  encoded.resize(static_cast<std::size_t>(p - encoded.data()));
  out.append(encoded);
}

}  // namespace wire

LogBatchBuilder::LogBatchBuilder(std::string resource, std::string scope,
                                 std::size_t expected_bytes)
    : resource_(std::move(resource)), scope_(std::move(scope)), expected_bytes_(expected_bytes) {
  begin();
}

std::string LogBatchBuilder::header(std::size_t records_bytes) const {
  const std::size_t scope_logs = len_field_size(scope_.size()) + records_bytes;
  const std::size_t resource_logs =
      len_field_size(resource_.size()) + 1 + wire::varint_size(scope_logs) + scope_logs;
  std::string h;
  h.reserve(32 + resource_.size() + scope_.size());
  h.push_back(kTagLen1);  // ExportLogsServiceRequest.resource_logs
  wire::append_varint(h, resource_logs);
  h.push_back(kTagLen1);  // ResourceLogs.resource
  wire::append_varint(h, resource_.size());
  h.append(resource_);
  h.push_back(kTagLen2);  // ResourceLogs.scope_logs
  wire::append_varint(h, scope_logs);
  h.push_back(kTagLen1);  // ScopeLogs.scope
  wire::append_varint(h, scope_.size());
  h.append(scope_);
  // ScopeLogs.log_records (field 2) follow.
  return h;
}

void LogBatchBuilder::begin() {
  // Room for the header of a batch of the expected size: the usual (full) batch is then
  // patched in place at seal().
  const std::size_t guess = header(expected_bytes_).size();
  payload_.clear();
  payload_.reserve(guess + expected_bytes_ + (expected_bytes_ >> 3));
  payload_.resize(guess);
  header_size_ = guess;
  records_ = 0;
}

std::string LogBatchBuilder::seal() {
  const std::string h = header(payload_.size() - header_size_);
  if (h.size() == header_size_) {
    std::memcpy(payload_.data(), h.data(), h.size());
  } else {
    payload_.replace(0, header_size_, h);
  }
  std::string out = std::move(payload_);
  // A batch flushed early must not pin a full batch's allocation while it waits in a queue
  // (queues bound payload bytes, not capacity).
  if (out.capacity() > 2 * out.size() + 4096) out.shrink_to_fit();
  payload_ = std::string();
  begin();
  return out;
}

std::size_t LogBatchBuilder::add(const RecordFields& record) {
  std::size_t sanitized = 0;
  const Text body(record.body);
  if (!body.valid) ++sanitized;
  const Text severity_text(record.severity_text);

  // Sizes first: a LogRecord's length prefix precedes it.
  std::size_t body_value = record.typed_body != nullptr ? any_value_size(*record.typed_body, body)
                                                        : len_field_size(body.size);
  std::size_t size = len_field_size(body_value);
  // Fields at their default value are left out, as protobuf does.
  if (record.observed_unix_nanos != 0) size += 9;
  if (record.time_unix_nanos.value_or(0) != 0) size += 9;
  if (record.severity_number != 0) {
    size += 1 + wire::varint_size(static_cast<std::uint64_t>(record.severity_number));
  }
  if (!record.severity_text.empty()) size += len_field_size(severity_text.size);
  size += record.prebuilt_attributes.size();
  // Parsed fields: the common case (no parser) has none.
  std::size_t fields_size = 0;
  for (const ParsedField& f : record.parsed_fields) {
    const Text key(f.key);
    const Text value(f.value.type == FieldType::kString ? f.value.text : std::string_view());
    if (!key.valid || !value.valid) ++sanitized;
    const std::size_t kv =
        len_field_size(key.size) + len_field_size(any_value_size(f.value, value));
    fields_size += len_field_size(kv);
  }
  size += fields_size;

  const std::size_t at = payload_.size();
  // resize_and_overwrite: the record is written once, without zero-filling its bytes first.
  // (The size is returned explicitly: libstdc++ 12 passes the grown capacity as `n` after a
  // reallocation.)
  const std::size_t new_size = at + len_field_size(size);
  payload_.resize_and_overwrite(new_size, [&](char* buffer, std::size_t) {
    char* p = buffer + at;
    *p++ = kTagLen2;  // ScopeLogs.log_records
    p = wire::put_varint(p, size);
    if (record.time_unix_nanos.value_or(0) != 0) {
      *p++ = kTagTime;
      p = put_fixed64(p, static_cast<std::uint64_t>(*record.time_unix_nanos));
    }
    if (record.severity_number != 0) {
      *p++ = kTagSeverityNumber;
      p = wire::put_varint(p, static_cast<std::uint64_t>(record.severity_number));
    }
    if (!record.severity_text.empty()) {
      *p++ = kTagSeverityText;
      p = wire::put_varint(p, severity_text.size);
      p = severity_text.write(p);
    }
    *p++ = kTagBody;
    p = wire::put_varint(p, body_value);
    if (record.typed_body != nullptr) {
      p = put_any_value(p, *record.typed_body, body);
    } else {
      *p++ = kTagLen1;  // AnyValue.string_value
      p = wire::put_varint(p, body.size);
      p = body.write(p);
    }
    p = copy_bytes(p, record.prebuilt_attributes);
    for (const ParsedField& f : record.parsed_fields) {
      const Text key(f.key);
      const Text value(f.value.type == FieldType::kString ? f.value.text : std::string_view());
      const std::size_t any = any_value_size(f.value, value);
      const std::size_t kv = len_field_size(key.size) + len_field_size(any);
      *p++ = kTagAttribute;
      p = wire::put_varint(p, kv);
      *p++ = kTagLen1;
      p = wire::put_varint(p, key.size);
      p = key.write(p);
      *p++ = kTagLen2;
      p = wire::put_varint(p, any);
      p = put_any_value(p, f.value, value);
    }
    if (record.observed_unix_nanos != 0) {
      *p++ = kTagObservedTime;
      p = put_fixed64(p, static_cast<std::uint64_t>(record.observed_unix_nanos));
    }
    return new_size;
  });
  ++records_;
  return sanitized;
}

}  // namespace vigil::collectors::tail
