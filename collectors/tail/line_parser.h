#pragma once

// Line parsers of the tail collector: one log line (or multiline event) in, typed fields,
// timestamp, severity and body out.
//
// Config (keys of the [[collectors.tail]] table itself, read by parse_parser_config):
//   parser          = "none" | "json" | "logfmt" | "regex"            (default "none")
//   regex           = PCRE2 pattern with at least one named group; each becomes a field
//                     (required with parser = "regex", an error with any other parser)
//   message_field   = field whose value becomes the record's body     (default "": the body is
//                     the raw line; a line without the field keeps the raw line as its body)
//   timestamp_field = field holding the record's time                 (default "": none)
//   timestamp_format= "rfc3339" | "unix" | "unix_ms" | "unix_us" | "unix_ns" | strptime-like
//                     pattern (timestamp_format.h)                     (default "rfc3339")
//   severity_field  = field holding the level (severity.h words, or pino numbers)  (default "")
//   detect_severity = look for a level word when no severity_field is set (default false):
//                     first in the fields "level", "severity", "lvl", "loglevel", "log.level",
//                     "levelname", then as a whole word in the first 256 bytes of the body text.
//   keep_fields     = also keep message_field, timestamp_field and severity_field as attributes
//                     (default false: they are moved into body, time and severity)
// message_field, timestamp_field and severity_field need a parser other than "none".
// collectors/tail/PARSING.md is the user's description.
//
// Core usage (one parser per thread; `line` and `out` reused across calls):
//   auto parser = make_line_parser(config);            // std::expected<unique_ptr<LineParser>>
//   ParsedLine out;
//   if (!(*parser)->parse(line, out)) { keep the raw line; count reason "parse_error"; }
//   else { out.fields -> attributes; out.body (or the raw line); out.time_unix_nano;
//          out.severity_number / out.severity_text; count out.timestamp_invalid if set }
//
// Field values: strings, int64, double, bool and null (kNull: encode as an empty AnyValue).
// JSON: nested objects are flattened into dotted keys ({"http":{"status":200}} -> "http.status");
// arrays are kept as their JSON text in a string; integers beyond int64 are kept as their digits
// in a string (no precision lost); duplicate keys: the last one wins. logfmt: unquoted values
// that read as integers, decimals or true/false are typed, quoted values are strings. regex:
// every participating named group is a string.
//
// Views in ParsedLine point into `line`, into `out`'s own storage or into the parser: they stay
// valid until the next parse() with the same parser or `out`, and while `line` lives.

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/tail/timestamp_format.h"

namespace vigil::config {
class ConfigReader;
}

namespace vigil::collectors::tail {

enum class FieldType : std::uint8_t { kString, kInt, kDouble, kBool, kNull };

struct FieldValue {
  FieldType type = FieldType::kString;
  // kString: the (unescaped) value. Other types: the value as written ("42", "true", "null").
  std::string_view text;
  std::int64_t int_value = 0;
  double double_value = 0;
  bool bool_value = false;

  static FieldValue string(std::string_view s) { return {FieldType::kString, s}; }
  static FieldValue integer(std::int64_t v, std::string_view source) {
    return {FieldType::kInt, source, v};
  }
  static FieldValue number(double v, std::string_view source) {
    return {FieldType::kDouble, source, 0, v};
  }
  static FieldValue boolean(bool v, std::string_view source) {
    return {FieldType::kBool, source, 0, 0, v};
  }
  static FieldValue null(std::string_view source) { return {FieldType::kNull, source}; }
};

// True when `text` is a JSON number (-?int[.frac][(e|E)[+-]exp], no leading zeros); `integral`
// tells whether it has neither fraction nor exponent.
bool is_json_number(std::string_view text, bool& integral);

// The typed reading of an unquoted text value (logfmt): "true"/"false" -> kBool, a JSON integer
// that fits int64 -> kInt, another JSON number within double's range -> kDouble, anything else
// (including "007" and integers beyond int64, whose digits would be lost) -> kString.
FieldValue infer_field_value(std::string_view text);

struct ParsedField {
  std::string_view key;
  FieldValue value;
};

// The result of one parse, reused between lines: clear() keeps every buffer's capacity, so a
// steady stream of similar lines allocates nothing.
class ParsedLine {
 public:
  // Attributes in the order they appear in the line; keys are unique.
  std::vector<ParsedField> fields;
  // From message_field; nullopt: the body is the raw line.
  std::optional<FieldValue> body;
  std::optional<std::int64_t> time_unix_nano;
  // timestamp_field was present but did not fit timestamp_format (the field stays an attribute;
  // the record keeps only its observed time).
  bool timestamp_invalid = false;
  std::int32_t severity_number = 0;  // OTLP SeverityNumber, 0 = unspecified
  std::string_view severity_text;    // the level as written; may be set without a number

  void clear();

  // For parsers: copies `text` into storage owned by this object whose address stays fixed
  // until clear() (so earlier views stay valid while more text is stored).
  std::string_view store(std::string_view text);
  // For parsers: `size` bytes of such storage, to be filled by the caller.
  char* allocate(std::size_t size);
  // For parsers: removes duplicate keys, keeping the last occurrence at the position of the
  // first (JSON's and logfmt's "last one wins").
  void deduplicate_fields();

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };
  std::vector<Block> blocks_;
  std::size_t block_ = 0;  // current block
  std::size_t used_ = 0;   // bytes used in the current block
  bool has_duplicate_keys() const;
  // Scratch of deduplicate_fields.
  std::vector<std::uint32_t> order_;
  std::vector<std::uint8_t> dropped_;
};

enum class ParserKind : std::uint8_t { kNone, kJson, kLogfmt, kRegex };

struct ParserConfig {
  ParserKind kind = ParserKind::kNone;
  std::string regex;
  std::string message_field;
  std::string timestamp_field;
  std::string timestamp_format = "rfc3339";
  std::string severity_field;
  bool detect_severity = false;
  bool keep_fields = false;

  // True when parse() would change nothing (parser "none" without severity detection): the core
  // may skip the call.
  bool is_noop() const { return kind == ParserKind::kNone && !detect_severity; }
};

// Reads the keys above from the [[collectors.tail]] table `tail`; the regex and the timestamp
// format are compiled here, so errors point at their keys (file:line:col). Returns the
// defaults' values for keys in error.
ParserConfig parse_parser_config(config::ConfigReader& tail);

class LineParser {
 public:
  virtual ~LineParser() = default;
  // Fills `out` (cleared first) from `line`. False when the line is not in the parser's format
  // (invalid JSON, not an object, unterminated logfmt quote, regex no match); `out` is then
  // cleared. Parser "none" always succeeds.
  virtual bool parse(std::string_view line, ParsedLine& out) = 0;
};

// Fails only for a config that parse_parser_config would have rejected (bad regex or format).
std::expected<std::unique_ptr<LineParser>, std::string> make_line_parser(
    const ParserConfig& config);

}  // namespace vigil::collectors::tail
