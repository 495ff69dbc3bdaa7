#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::config {

// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable() when it meets a character from
// U+00A1 to U+0499 where only whitespace may stand (its is_non_ascii_horizontal_whitespace has
// no case for that range): undefined behaviour, and possibly a crash, on a malformed file. TOML
// allows non-ASCII text only in strings and comments, so the loader reports such a character
// itself, before toml++ reads the text.

struct TextPosition {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in characters (UTF-8 sequences count once), as toml++'s
};

// The position of the first non-ASCII byte outside TOML strings and comments, if any. Strings
// are told apart as TOML does: "...", '...', """...""" and '''...''' (escapes in the basic
// ones); an unterminated single-line string ends at its line's end.
std::optional<TextPosition> find_non_ascii_outside_strings(std::string_view text);

}  // namespace vigil::config
