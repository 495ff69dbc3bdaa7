#include "collectors/tail/logfmt_parser.h"

#include <cstdint>

namespace vigil::collectors::tail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::optional<unsigned> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

std::optional<std::uint32_t> read_hex4(std::string_view text, std::size_t pos) {
  if (text.size() - pos < 4) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const auto digit = hex_digit(text[pos + i]);
    if (!digit) return std::nullopt;
    value = value * 16 + *digit;
  }
  return value;
}

// Writes `cp` as UTF-8 at `out`; returns the bytes written (at most 4).
std::size_t put_utf8(std::uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// The contents of a quoted value (between the quotes, escapes still in), unescaped into `out`'s
// storage. An escape never yields more bytes than it takes (\uXXXX: 6 bytes in, at most 3 out;
// a surrogate pair: 12 in, 4 out), so raw.size() bytes suffice.
std::optional<std::string_view> unescape(std::string_view raw, ParsedLine& out) {
  char* const begin = out.allocate(raw.size());
  char* at = begin;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      *at++ = c;
      continue;
    }
    if (++i == raw.size()) return std::nullopt;
    switch (raw[i]) {
      case '"':
      case '\\':
      case '/':
        *at++ = raw[i];
        break;
      case 'b':
        *at++ = '\b';
        break;
      case 'f':
        *at++ = '\f';
        break;
      case 'n':
        *at++ = '\n';
        break;
      case 'r':
        *at++ = '\r';
        break;
      case 't':
        *at++ = '\t';
        break;
      case 'u': {
        auto cp = read_hex4(raw, i + 1);
        if (!cp) return std::nullopt;
        i += 4;
        if (*cp >= 0xDC00 && *cp <= 0xDFFF) return std::nullopt;  // a lone low surrogate
        if (*cp >= 0xD800 && *cp <= 0xDBFF) {
          // A high surrogate must be followed by \u and a low one.
          if (raw.size() - i < 7 || raw[i + 1] != '\\' || raw[i + 2] != 'u') return std::nullopt;
          const auto low = read_hex4(raw, i + 3);
          if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
          cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          i += 6;
        }
        at += put_utf8(*cp, at);
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return std::string_view(begin, static_cast<std::size_t>(at - begin));
}

}  // namespace

bool parse_logfmt(std::string_view line, ParsedLine& out) {
  bool any_pair = false;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i == n) break;
    const std::size_t key_start = i;
    while (i < n && !is_space(line[i]) && line[i] != '=' && line[i] != '"') ++i;
    if (i == key_start) return false;  // "=value" or a stray quote
    const std::string_view key = line.substr(key_start, i - key_start);
    if (i == n || is_space(line[i])) {
      out.fields.push_back({key, FieldValue::boolean(true, "")});
      continue;
    }
    if (line[i] == '"') return false;  // a quote inside a key
    ++i;                               // '='
    any_pair = true;
    if (i < n && line[i] == '"') {
      const std::size_t value_start = ++i;
      bool escaped = false;
      while (i < n && line[i] != '"') {
        if (line[i] == '\\') {
          escaped = true;
          if (++i == n) return false;
        }
        ++i;
      }
      if (i == n) return false;  // unterminated
      std::string_view value = line.substr(value_start, i - value_start);
      ++i;  // closing quote
      if (i < n && !is_space(line[i])) return false;
      if (escaped) {
        const auto unescaped = unescape(value, out);
        if (!unescaped) return false;
        value = *unescaped;
      }
      out.fields.push_back({key, FieldValue::string(value)});
      continue;
    }
    const std::size_t value_start = i;
    while (i < n && !is_space(line[i])) {
      if (line[i] == '"') return false;
      ++i;
    }
    out.fields.push_back({key, infer_field_value(line.substr(value_start, i - value_start))});
  }
  return any_pair;
}

}  // namespace vigil::collectors::tail
