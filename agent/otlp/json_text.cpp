#include "agent/otlp/json_text.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>

namespace vigil::otlp {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

struct Utf8Scan {
  bool valid = false;
  // The sequence's length when valid; else the length of the maximal ill-formed subpart, which
  // is replaced by a single U+FFFD.
  std::size_t length = 1;
};

// Well-formed sequences per Unicode table 3-7: the second byte's range depends on the lead
// byte, which rules out overlong forms, surrogates and code points above U+10FFFF.
Utf8Scan scan_utf8(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t trailing = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    trailing = 1;
  } else if (lead == 0xE0) {
    trailing = 2;
    lo = 0xA0;
  } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
    trailing = 2;
  } else if (lead == 0xED) {
    trailing = 2;
    hi = 0x9F;
  } else if (lead == 0xF0) {
    trailing = 3;
    lo = 0x90;
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    trailing = 3;
  } else if (lead == 0xF4) {
    trailing = 3;
    hi = 0x8F;
  } else {
    return {false, 1};
  }
  for (std::size_t k = 1; k <= trailing; ++k) {
    if (i + k >= s.size()) return {false, k};
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return {false, k};
    lo = 0x80;
    hi = 0xBF;
  }
  return {true, trailing + 1};
}

void append_escape(unsigned char c, std::string& out) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  const char u[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
  out.append(u, sizeof(u));
}

template <typename T>
void append_chars(T v, std::string& out) {
  char buf[40];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  // The buffer fits every 64-bit integer and the shortest form of every double.
  if (ec == std::errc()) out.append(buf, end);
}

template <typename T>
void append_floating(T v, std::string& out) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    append_chars(v, out);
  }
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  out += '"';
  // Bytes that need no change are copied in runs, not one by one.
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      out.append(s.data() + run, i - run);
      append_escape(c, out);
      run = ++i;
      continue;
    }
    const Utf8Scan scan = scan_utf8(s, i);
    if (scan.valid) {
      i += scan.length;
      continue;
    }
    out.append(s.data() + run, i - run);
    out += kReplacementCharacter;
    i += scan.length;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Attribute keys and values are almost always ASCII: skip it eight bytes at a time.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Scan scan = scan_utf8(s, i);
    if (!scan.valid) return false;
    i += scan.length;
  }
  return true;
}

void append_json_double(double v, std::string& out) { append_floating(v, out); }
void append_json_float(float v, std::string& out) { append_floating(v, out); }

void append_json_int(std::int64_t v, std::string& out) { append_chars(v, out); }
void append_json_uint(std::uint64_t v, std::string& out) { append_chars(v, out); }

void append_json_quoted_int(std::int64_t v, std::string& out) {
  out += '"';
  append_chars(v, out);
  out += '"';
}

void append_json_quoted_uint(std::uint64_t v, std::string& out) {
  out += '"';
  append_chars(v, out);
  out += '"';
}

void append_json_base64(std::string_view bytes, std::string& out) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    const char quad[] = {kBase64Alphabet[v >> 18], kBase64Alphabet[(v >> 12) & 0x3F],
                         kBase64Alphabet[(v >> 6) & 0x3F], kBase64Alphabet[v & 0x3F]};
    out.append(quad, sizeof(quad));
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    const char quad[] = {kBase64Alphabet[v >> 18], kBase64Alphabet[(v >> 12) & 0x3F], '=', '='};
    out.append(quad, sizeof(quad));
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    const char quad[] = {kBase64Alphabet[v >> 18], kBase64Alphabet[(v >> 12) & 0x3F],
                         kBase64Alphabet[(v >> 6) & 0x3F], '='};
    out.append(quad, sizeof(quad));
  }
  out += '"';
}

void append_json_hex(std::string_view bytes, std::string& out) {
  out += '"';
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    const char pair[] = {kHexDigits[c >> 4], kHexDigits[c & 0xF]};
    out.append(pair, sizeof(pair));
  }
  out += '"';
}

}  // namespace vigil::otlp
