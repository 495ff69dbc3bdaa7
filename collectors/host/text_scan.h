#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

// Small tokenising helpers shared by the pure /proc and /sys parsers. Nothing here allocates.
namespace vigil::collectors::host {

// Removes and returns the first line of `text` (without its '\n').
inline std::string_view next_line(std::string_view& text) {
  const auto end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  return line;
}

inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Removes and returns the next run of non-blank characters of `text` (empty at the end).
inline std::string_view next_field(std::string_view& text) {
  std::size_t begin = 0;
  while (begin < text.size() && is_blank(text[begin])) ++begin;
  std::size_t end = begin;
  while (end < text.size() && !is_blank(text[end])) ++end;
  std::string_view field = text.substr(begin, end - begin);
  text.remove_prefix(end);
  return field;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// The whole of `s` as a decimal unsigned integer.
inline bool to_u64(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// The whole of `s` as a decimal number ("0.25", "12").
inline bool to_double(std::string_view s, double& out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Whether `s` is well-formed UTF-8 (protobuf rejects a request whose strings are not).
bool is_valid_utf8(std::string_view s);

// Appends `s` to `out` with every byte that is not part of well-formed UTF-8 replaced by
// U+FFFD. Device names and mount points are bytes to the kernel, strings to OTLP.
void append_valid_utf8(std::string& out, std::string_view s);

}  // namespace vigil::collectors::host
