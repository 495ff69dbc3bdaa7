#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "collectors/tail/line_parser.h"

namespace vigil::collectors::tail {

// Protobuf wire encoding of the few OTLP messages the tail writes itself.
namespace wire {
std::size_t varint_size(std::uint64_t value);
char* put_varint(char* out, std::uint64_t value);
void append_varint(std::string& out, std::uint64_t value);
// Appends field `field` of wire type LEN holding `bytes`.
void append_bytes_field(std::string& out, std::uint32_t field, std::string_view bytes);
// A KeyValue attribute with a string value, as one `attributes` field (tag included) of
// LogRecord (field 6): what FileLabels and the configured attributes are made of. Key and
// value are sanitized to UTF-8.
void append_string_attribute(std::string& out, std::uint32_t field, std::string_view key,
                             std::string_view value);
}  // namespace wire

// What one LogRecord carries besides the prebuilt attributes.
struct RecordFields {
  std::string_view body;                   // the line; sanitized to UTF-8 while written
  const FieldValue* typed_body = nullptr;  // a parser's non-string message field, if any
  std::int64_t observed_unix_nanos = 0;
  std::optional<std::int64_t> time_unix_nanos;
  std::int32_t severity_number = 0;
  std::string_view severity_text;
  // Encoded `attributes` fields (tags included), copied as they are: log.file.name,
  // log.file.path and the configured attributes.
  std::string_view prebuilt_attributes;
  std::span<const ParsedField> parsed_fields;  // further attributes from a parser
};

// Builds one ExportLogsServiceRequest with one ResourceLogs and one ScopeLogs, writing each
// LogRecord's wire bytes straight into the payload string (no message objects, nothing
// allocated per record once the payload has grown). The two enclosing length prefixes are
// known only at the end: the builder leaves room for the sizes a full batch needs, so a full
// batch is patched in place; a smaller one gets its header rewritten with one move. The output
// is canonical protobuf (minimal varints).
class LogBatchBuilder {
 public:
  // `resource` and `scope`: serialized Resource and InstrumentationScope messages.
  // `expected_bytes`: the batch size the builder reserves for (batch_max_bytes).
  LogBatchBuilder(std::string resource, std::string scope, std::size_t expected_bytes);

  // Appends one LogRecord. Returns the number of ill-formed UTF-8 sequences replaced.
  std::size_t add(const RecordFields& record);

  std::size_t records() const { return records_; }
  // Bytes of the payload so far.
  std::size_t size() const { return payload_.size(); }
  bool empty() const { return records_ == 0; }

  // The finished payload; the builder starts a new batch.
  std::string seal();

 private:
  void begin();
  std::string header(std::size_t records_bytes) const;

  std::string resource_;
  std::string scope_;
  std::size_t expected_bytes_;
  std::string payload_;
  std::size_t header_size_ = 0;  // bytes reserved before the first record
  std::size_t records_ = 0;
};

}  // namespace vigil::collectors::tail
