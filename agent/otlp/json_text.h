#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::otlp {

// JSON text primitives shared by the OTLP/JSON encoder and anything else that writes JSON.
// Each appends to `out` and allocates nothing beyond growing it.

// `s` as a quoted JSON string. Escapes '"', '\\' and control characters (\b \f \n \r \t, others
// as \u00XX). Invalid UTF-8 becomes U+FFFD, one per maximal ill-formed subsequence (the
// Unicode / WHATWG practice), so the output is always valid UTF-8 and valid JSON.
void append_json_string(std::string_view s, std::string& out);

// A JSON number; NaN and the infinities, which JSON cannot express, become the proto3 JSON
// strings "NaN", "Infinity" and "-Infinity". Finite values use the shortest text that reads
// back to the same double.
void append_json_double(double v, std::string& out);
void append_json_float(float v, std::string& out);

void append_json_int(std::int64_t v, std::string& out);
void append_json_uint(std::uint64_t v, std::string& out);
// 64-bit integers as decimal strings ("123"), as proto3 JSON and OTLP/JSON write them, so that
// readers that hold numbers in doubles do not lose precision.
void append_json_quoted_int(std::int64_t v, std::string& out);
void append_json_quoted_uint(std::uint64_t v, std::string& out);

// Whether `s` is well-formed UTF-8 (Unicode table 3-7: no overlong forms, surrogates or code
// points above U+10FFFF), the rule proto3 applies to `string` fields when parsing.
bool is_valid_utf8(std::string_view s);

// Bytes as a quoted string: standard base64 with padding (RFC 4648 section 4).
void append_json_base64(std::string_view bytes, std::string& out);
// Bytes as a quoted string of lowercase hex digits (OTLP trace and span ids).
void append_json_hex(std::string_view bytes, std::string& out);

}  // namespace vigil::otlp
