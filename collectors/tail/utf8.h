#pragma once

#include <cstddef>
#include <string_view>

namespace vigil::collectors::tail {

// OTLP string values must be UTF-8; log files are bytes. These replace every ill-formed
// sequence with U+FFFD, one per maximal subpart (Unicode 15, section 3.9, "U+FFFD Substitution
// of Maximal Subparts", as WHATWG's decoder does), so valid text is never altered and the
// output is always valid.

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

bool is_valid_utf8(std::string_view text);

// Size of `text` once sanitized (== text.size() when it is valid).
std::size_t sanitized_utf8_size(std::string_view text);

// Writes `text` sanitized to `out` (room for sanitized_utf8_size(text) bytes); returns the
// end of what was written.
char* write_sanitized_utf8(std::string_view text, char* out);

// The largest cut point <= `limit` that does not split a well-formed multi-byte sequence of
// `text` (a piece of a long line then stays valid on its own). Never 0 when limit >= 4:
// ill-formed bytes may be cut anywhere.
std::size_t utf8_cut_point(std::string_view text, std::size_t limit);

}  // namespace vigil::collectors::tail
