#include "collectors/tail/json_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include <rapidjson/error/error.h>
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

namespace vigil::collectors::tail {
namespace {

constexpr std::size_t kKeyBudgetPerByte = 4;
constexpr std::size_t kKeyBudgetBase = 64 * 1024;
// Zero bytes after the copied line: its terminator, and what RapidJSON's UTF-8 validation may
// read past it (up to 3 bytes) when the line ends inside a multi-byte sequence.
constexpr std::size_t kPadding = 8;
// RapidJSON's lengths are 32-bit (SizeType); longer lines are refused before it sees them.
constexpr std::size_t kMaxLineSize = UINT32_MAX - kPadding;

// In place (strings are unescaped inside the copy of the line: no allocation), validating the
// strings' UTF-8, stopping after the object (the rest is checked here, see parse()), numbers
// reported as their text (read with std::from_chars by infer_field_value).
constexpr unsigned kParseFlags =
    rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag |
    rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseNumbersAsStringsFlag;

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// The end of the run of number characters starting at `begin`.
std::size_t number_end(std::string_view line, std::size_t begin) {
  while (begin < line.size() && is_number_char(line[begin])) ++begin;
  return begin;
}

// RapidJSON 1.1.0 turns a lone low surrogate escape (\uDC00-\uDFFF) into the ill-formed
// UTF-8 ED B0-BF xx instead of failing. Raw bytes are validated (kParseValidateEncodingFlag
// refuses ED A0-BF), so such a pair of bytes can only come from that escape.
bool has_lone_surrogate(const char* text, std::size_t size) {
  const char* const end = text + size;
  while (const void* found = std::memchr(text, 0xED, static_cast<std::size_t>(end - text))) {
    const char* at = static_cast<const char*>(found);
    if (at + 1 < end && static_cast<unsigned char>(at[1]) >= 0xA0) return true;
    text = at + 1;
  }
  return false;
}

}  // namespace

struct JsonFieldParser::Impl : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Impl> {
  rapidjson::Reader reader;
  // The line copied with kPadding zero bytes: RapidJSON parses it in place.
  std::unique_ptr<char[]> buffer;
  std::size_t buffer_capacity = 0;
  rapidjson::InsituStringStream* stream = nullptr;
  std::string_view line;
  // Set on the second pass over a line with a number beyond double's range (see parse()).
  bool numbers_blanked = false;
  // The dotted key of the value being read (nested objects append ".key"), and its length at
  // the start of each open object (index: depth).
  std::string key_path;
  std::array<std::size_t, kMaxJsonDepth + 1> prefix{};
  // The current top-level key: a view into the buffer (dotted keys are stored in `out`).
  std::string_view top_key;
  // Open objects and arrays (the line's object is depth 1).
  int depth = 0;
  // Depth of the array whose text is the current field's value (0: not inside an array, so
  // values are emitted as fields; inside, they are only checked), and where its '[' is.
  int array_depth = 0;
  std::size_t array_begin = 0;
  // Bytes of dotted keys this line may still store. A long prefix repeated over many children
  // ({"<100 KB>":{"a":1,"b":1,...}}) would otherwise make a 1 MiB line store gigabytes.
  std::size_t key_budget = 0;
  ParsedLine* out = nullptr;

  bool parse(std::string_view text, ParsedLine& result) {
    if (text.size() > kMaxLineSize) return false;
    const std::size_t first_field = result.fields.size();
    line = text;
    out = &result;
    if (run(/*blank_numbers=*/false)) return true;
    // RapidJSON refuses numbers beyond double's range (1e400, 400 digits) that vigil keeps as
    // text. Rare: parse again with every number replaced by "0" and spaces; RawNumber() then
    // reads each one from the line.
    if (reader.GetParseErrorCode() != rapidjson::kParseErrorNumberTooBig) return false;
    result.fields.erase(result.fields.begin() + static_cast<std::ptrdiff_t>(first_field),
                        result.fields.end());
    return run(/*blank_numbers=*/true);
  }

  bool run(bool blank_numbers) {
    const std::size_t needed = line.size() + kPadding;
    if (buffer_capacity < needed) {
      buffer_capacity = std::max(needed, 2 * buffer_capacity);
      buffer = std::make_unique<char[]>(buffer_capacity);
    }
    if (!line.empty()) std::memcpy(buffer.get(), line.data(), line.size());
    std::memset(buffer.get() + line.size(), 0, kPadding);
    numbers_blanked = blank_numbers;
    if (blank_numbers) blank_numbers_in_buffer();
    key_path.clear();
    top_key = {};
    depth = 0;
    array_depth = 0;
    key_budget = kKeyBudgetPerByte * line.size() + kKeyBudgetBase;
    rapidjson::InsituStringStream in(buffer.get());
    stream = &in;
    const bool ok = !reader.Parse<kParseFlags>(in, *this).IsError();
    stream = nullptr;
    if (!ok) return false;
    // Nothing but whitespace may follow the object: "{} x" is not one JSON document. Checked
    // on the line itself: a NUL byte would end RapidJSON's reading of the copy.
    std::size_t at = in.Tell();
    while (at < line.size() && is_json_space(line[at])) ++at;
    return at == line.size();
  }

  // Replaces, in the buffer, each JSON number outside strings by "0" and spaces. Strings are
  // told apart by their quotes and escapes alone: on a line RapidJSON then accepts, that is
  // exactly where its strings are, so only numbers change.
  void blank_numbers_in_buffer() {
    bool in_string = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        const std::size_t end = number_end(line, i);
        bool integral = false;
        if (is_json_number(line.substr(i, end - i), integral)) {
          buffer[i] = '0';
          std::memset(buffer.get() + i + 1, ' ', end - i - 1);
        }
        i = end - 1;
      }
    }
  }

  bool emitting() const { return array_depth == 0; }

  // The field key_path = `value` (the key of the value just read at `depth`). False when the
  // dotted keys would exceed their storage budget.
  [[nodiscard]] bool emit(FieldValue value) {
    std::string_view key = top_key;
    if (depth > 1) {
      if (key_path.size() > key_budget) return false;
      key_budget -= key_path.size();
      key = out->store(key_path);
    }
    out->fields.push_back({key, value});
    return true;
  }

  // Handler events (rapidjson::Reader); false stops the parse and fails the line.
  bool Null() { return depth > 0 && (!emitting() || emit(FieldValue::null("null"))); }
  bool Bool(bool b) {
    return depth > 0 && (!emitting() || emit(FieldValue::boolean(b, b ? "true" : "false")));
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (depth == 0) return false;
    std::string_view number(text, length);
    if (numbers_blanked) {
      const auto begin = static_cast<std::size_t>(text - buffer.get());
      number = line.substr(begin, number_end(line, begin) - begin);
    }
    bool integral = false;
    if (!is_json_number(number, integral)) return false;
    // Kept in `out`, as the array texts: views do not depend on the caller's line.
    if (numbers_blanked && emitting()) number = out->store(number);
    return !emitting() || emit(infer_field_value(number));
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (depth == 0 || has_lone_surrogate(text, length)) return false;
    return !emitting() || emit(FieldValue::string(std::string_view(text, length)));
  }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    if (has_lone_surrogate(text, length)) return false;
    if (!emitting()) return true;
    const std::string_view key(text, length);
    if (depth == 1) top_key = key;
    const std::size_t before = prefix[static_cast<std::size_t>(depth)];
    key_path.resize(before);
    if (before != 0) key_path += '.';
    key_path += key;
    return true;
  }
  bool StartObject() {
    if (++depth > kMaxJsonDepth) return false;
    if (emitting()) prefix[static_cast<std::size_t>(depth)] = key_path.size();
    return true;
  }
  bool EndObject(rapidjson::SizeType members) {
    if (!emitting()) {
      --depth;
      return true;
    }
    key_path.resize(prefix[static_cast<std::size_t>(depth)]);
    --depth;
    // An empty nested object is a field of its own.
    return depth == 0 || members != 0 || emit(FieldValue::string("{}"));
  }
  bool StartArray() {
    if (depth == 0 || ++depth > kMaxJsonDepth) return false;
    if (emitting()) {
      array_depth = depth;
      array_begin = stream->Tell() - 1;  // the '[' just read
    }
    return true;
  }
  bool EndArray(rapidjson::SizeType /*elements*/) {
    if (depth-- != array_depth) return true;
    array_depth = 0;
    // The array's text as written, from the line (the buffer's strings are unescaped in place),
    // copied into `out`'s storage.
    const std::size_t end = stream->Tell();  // just past the ']'
    return emit(FieldValue::string(out->store(line.substr(array_begin, end - array_begin))));
  }
};

JsonFieldParser::JsonFieldParser() : impl_(std::make_unique<Impl>()) {}
JsonFieldParser::~JsonFieldParser() = default;

bool JsonFieldParser::parse(std::string_view line, ParsedLine& out) {
  return impl_->parse(line, out);
}

}  // namespace vigil::collectors::tail
