#pragma once

// JSON object lines to fields, with RapidJSON's SAX reader (rapidjson::Reader).
//
//   JsonFieldParser json;
//   if (json.parse(R"({"level":"info","http":{"status":200},"tags":["a","b"]})", out)) ...
//   // out.fields: level="info", http.status=200, tags="[\"a\",\"b\"]" (the array's JSON text)
//
// The line must be one JSON object (leading and trailing whitespace allowed) and nothing else.
// Nested objects are flattened into dotted keys (an empty one becomes the string "{}"); arrays
// keep their JSON text as written (validated element by element); integers that fit int64 are
// kInt, larger ones (or beyond any double) keep their digits as a kString; other numbers are
// kDouble. Nesting deeper than kMaxJsonDepth fails the line, and so do dotted keys longer in
// total than 4 bytes per byte of the line plus 64 KiB (a long prefix repeated over many
// children would otherwise store gigabytes for one line). Field keys are not deduplicated
// here (ParsedLine::deduplicate_fields does it).
// Strings, numbers and top-level keys are views into the parser's copy of the line (strings
// unescaped there in place); arrays' texts and dotted keys are stored in `out`. Neither depends
// on `line` staying alive. The parser keeps its buffer between calls: steady state allocates
// nothing. Not thread-safe: one per thread.

#include <memory>
#include <string_view>

#include "collectors/tail/line_parser.h"

namespace vigil::collectors::tail {

inline constexpr int kMaxJsonDepth = 64;

class JsonFieldParser {
 public:
  JsonFieldParser();
  ~JsonFieldParser();
  JsonFieldParser(const JsonFieldParser&) = delete;
  JsonFieldParser& operator=(const JsonFieldParser&) = delete;

  // Appends the line's fields to out.fields; false when the line is not one valid JSON object
  // (out.fields may then hold a part of them: the caller clears it).
  bool parse(std::string_view line, ParsedLine& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::collectors::tail
