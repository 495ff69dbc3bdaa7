#include "agent/otlp/otlp_json_prepare.h"

#include <array>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "agent/otlp/json_text.h"

namespace vigil::otlp {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
constexpr std::string_view kReplacementEscape = "\\ufffd";
constexpr std::string_view kEmptyKeyReplacement = "_";
// The longest id key, parent_span_id, is 14 characters; escaped, each takes at most 6.
constexpr std::size_t kLongestIdKey = 14;

bool is_id_key(std::string_view key) {
  return key == "traceId" || key == "spanId" || key == "parentSpanId" || key == "trace_id" ||
         key == "span_id" || key == "parent_span_id";
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the four hex digits at s[i, i + 4), or -1.
int hex4(std::string_view s, std::size_t i) {
  if (s.size() - i < 4) return -1;
  int v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int d = hex_value(static_cast<unsigned char>(s[i + k]));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

bool is_high_surrogate(int u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(int u) { return u >= 0xDC00 && u <= 0xDFFF; }

// The length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), or 0 with `bad` set
// to the length of its maximal ill-formed subpart, which becomes one U+FFFD (Unicode table 3-7
// and the practice of the encoder, json_text.cpp).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& bad) {
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
    bad = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= trailing; ++k) {
    if (i + k >= s.size()) {
      bad = k;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) {
      bad = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return trailing + 1;
}

// Calls `f(char)` with each character of an already validated JSON string body, escapes
// decoded, while the characters are ASCII and `f` returns true. Returns false when it stopped
// early (a non-ASCII character, or `f` said so).
template <typename F>
bool for_each_ascii(std::string_view body, F&& f) {
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto c = static_cast<unsigned char>(body[i]);
    if (c >= 0x80) return false;
    if (c == '\\') {
      c = static_cast<unsigned char>(body[++i]);
      switch (c) {
        case 'b':
          c = '\b';
          break;
        case 'f':
          c = '\f';
          break;
        case 'n':
          c = '\n';
          break;
        case 'r':
          c = '\r';
          break;
        case 't':
          c = '\t';
          break;
        case 'u': {
          const int unit = hex4(body, i + 1);
          if (unit < 0 || unit >= 0x80) return false;
          c = static_cast<unsigned char>(unit);
          i += 4;
          break;
        }
        default:
          break;  // '"', '\\' and '/' stand for themselves
      }
    }
    if (!f(static_cast<char>(c))) return false;
  }
  return true;
}

class Preparer {
 public:
  Preparer(std::string_view in, std::string& out) : in_(in), out_(out) {}

  core::Result<bool> run();

 private:
  enum class Expect { kValue, kValueOrArrayEnd, kKeyOrObjectEnd, kKey, kColon, kCommaOrEnd };

  // A scanned string token: its body (between the quotes) within in_.
  struct Token {
    std::size_t body_begin = 0;
    std::size_t body_end = 0;
    bool escaped = false;
    bool repaired = false;
  };

  core::Result<void> fail(std::string_view what) const {
    return core::make_error(fmt::format("invalid JSON at byte {}: {}", pos_, what));
  }
  void skip_whitespace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\n' || in_[pos_] == '\r' || in_[pos_] == '\t')) {
      ++pos_;
    }
  }
  core::Result<void> push(bool object);
  core::Result<void> scan_string(bool repair, Token& token);
  core::Result<void> scan_escape(bool repair, Token& token);
  core::Result<void> scan_number();
  core::Result<void> scan_literal();
  bool is_id_key(const Token& key);
  void rewrite_id(std::size_t token_begin, const Token& token);
  // Writes `replacement` instead of in_[begin, end).
  void replace(std::size_t begin, std::size_t end, std::string_view replacement);
  // Switches to writing out_ and copies what precedes `begin` there.
  void copy_up_to(std::size_t begin);

  std::string_view in_;
  std::string& out_;
  std::size_t pos_ = 0;
  // in_[0, copied_) has been written to out_ (with its replacements).
  std::size_t copied_ = 0;
  bool rewritten_ = false;
  std::string id_bytes_;
  std::array<bool, kMaxOtlpJsonDepth> is_object_{};
  std::size_t depth_ = 0;
};

core::Result<bool> Preparer::run() {
  skip_whitespace();
  if (pos_ == in_.size()) return core::make_error("invalid JSON: empty body");
  if (in_[pos_] != '{') return core::make_error("invalid JSON: the body must be a JSON object");

  Expect expect = Expect::kValue;
  bool id_value = false;  // the value being read is that of an id key
  for (;;) {
    skip_whitespace();
    if (pos_ == in_.size()) {
      if (depth_ == 0 && expect == Expect::kCommaOrEnd) break;
      return std::unexpected(fail("unexpected end of input").error());
    }
    const char c = in_[pos_];
    core::Result<void> step;
    switch (expect) {
      case Expect::kKeyOrObjectEnd:
      case Expect::kKey: {
        if (c == '}' && expect == Expect::kKeyOrObjectEnd) {
          ++pos_;
          --depth_;
          expect = Expect::kCommaOrEnd;
          break;
        }
        if (c != '"') {
          step = fail("expected a string key");
          break;
        }
        Token key;
        step = scan_string(/*repair=*/true, key);
        if (step) id_value = is_id_key(key);
        if (step && key.body_begin == key.body_end) {
          // Protobuf 3.21 takes "" for the enclosing message itself and writes the member's
          // value into it as garbage bytes (a span's span_id holding a serialized message).
          // No field is named "", so the member is unknown: renamed to a name no field can
          // have (field names start with a letter), protobuf ignores it as it should.
          replace(key.body_begin, key.body_end, kEmptyKeyReplacement);
        }
        expect = Expect::kColon;
        break;
      }
      case Expect::kColon:
        if (c != ':') {
          step = fail("expected ':'");
          break;
        }
        ++pos_;
        expect = Expect::kValue;
        break;
      case Expect::kValueOrArrayEnd:
      case Expect::kValue: {
        if (c == ']' && expect == Expect::kValueOrArrayEnd) {
          ++pos_;
          --depth_;
          expect = Expect::kCommaOrEnd;
          break;
        }
        const bool is_id = std::exchange(id_value, false);
        expect = Expect::kCommaOrEnd;
        if (c == '{' || c == '[') {
          step = push(c == '{');
          expect = c == '{' ? Expect::kKeyOrObjectEnd : Expect::kValueOrArrayEnd;
        } else if (c == '"') {
          const std::size_t begin = pos_;
          Token token;
          step = scan_string(/*repair=*/!is_id, token);
          if (step && is_id) rewrite_id(begin, token);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          step = scan_number();
        } else if (c == 't' || c == 'f' || c == 'n') {
          step = scan_literal();
        } else {
          step = fail("expected a value");
        }
        break;
      }
      case Expect::kCommaOrEnd: {
        if (depth_ == 0) {
          step = fail("unexpected data after the JSON object");
          break;
        }
        const bool object = is_object_[depth_ - 1];
        if (c == ',') {
          ++pos_;
          expect = object ? Expect::kKey : Expect::kValue;
        } else if (c == (object ? '}' : ']')) {
          ++pos_;
          --depth_;
        } else {
          step = fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        break;
      }
    }
    if (!step) return std::unexpected(step.error());
  }
  if (rewritten_) out_.append(in_, copied_, in_.size() - copied_);
  return rewritten_;
}

core::Result<void> Preparer::push(bool object) {
  if (depth_ == kMaxOtlpJsonDepth) {
    return fail(fmt::format("nested deeper than {} levels", kMaxOtlpJsonDepth));
  }
  is_object_[depth_++] = object;
  ++pos_;
  return {};
}

core::Result<void> Preparer::scan_string(bool repair, Token& token) {
  ++pos_;  // the opening quote
  token.body_begin = pos_;
  for (;;) {
    while (pos_ < in_.size()) {
      const auto b = static_cast<unsigned char>(in_[pos_]);
      if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
      ++pos_;
    }
    if (pos_ == in_.size()) return fail("unterminated string");
    const auto b = static_cast<unsigned char>(in_[pos_]);
    if (b == '"') {
      token.body_end = pos_++;
      return {};
    }
    if (b < 0x20) return fail("control character in a string");
    if (b == '\\') {
      if (auto escape = scan_escape(repair, token); !escape) return escape;
      continue;
    }
    std::size_t bad = 0;
    const std::size_t length = utf8_sequence(in_, pos_, bad);
    if (length > 0) {
      pos_ += length;
      continue;
    }
    token.repaired = true;
    if (repair) replace(pos_, pos_ + bad, kReplacementCharacter);
    pos_ += bad;
  }
}

core::Result<void> Preparer::scan_escape(bool repair, Token& token) {
  token.escaped = true;
  if (pos_ + 1 == in_.size()) return fail("unterminated string");
  switch (in_[pos_ + 1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      pos_ += 2;
      return {};
    case 'u':
      break;
    default:
      return fail("invalid escape in a string");
  }
  const int unit = hex4(in_, pos_ + 2);
  if (unit < 0) return fail("invalid \\u escape");
  if (is_high_surrogate(unit) && in_.substr(pos_ + 6, 2) == "\\u" &&
      is_low_surrogate(hex4(in_, pos_ + 8))) {
    pos_ += 12;
    return {};
  }
  if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
    token.repaired = true;
    if (repair) replace(pos_, pos_ + 6, kReplacementEscape);
  }
  pos_ += 6;
  return {};
}

core::Result<void> Preparer::scan_number() {
  auto digit = [this] { return pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9'; };
  auto digits = [&] {
    if (!digit()) return false;
    while (digit()) ++pos_;
    return true;
  };
  if (in_[pos_] == '-') ++pos_;
  if (pos_ < in_.size() && in_[pos_] == '0') {
    ++pos_;
  } else if (!digits()) {
    return fail("invalid number");
  }
  if (pos_ < in_.size() && in_[pos_] == '.') {
    ++pos_;
    if (!digits()) return fail("invalid number");
  }
  if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
    if (!digits()) return fail("invalid number");
  }
  return {};
}

core::Result<void> Preparer::scan_literal() {
  for (std::string_view literal : {"true", "false", "null"}) {
    if (in_.substr(pos_, literal.size()) == literal) {
      pos_ += literal.size();
      return {};
    }
  }
  return fail("expected a value");
}

bool Preparer::is_id_key(const Token& key) {
  const std::string_view body = in_.substr(key.body_begin, key.body_end - key.body_begin);
  if (key.repaired) return false;
  if (!key.escaped) return vigil::otlp::is_id_key(body);
  if (body.size() > 6 * kLongestIdKey) return false;
  std::array<char, kLongestIdKey> name{};
  std::size_t n = 0;
  const bool ascii = for_each_ascii(body, [&](char c) {
    if (n == name.size()) return false;
    name[n++] = c;
    return true;
  });
  return ascii && vigil::otlp::is_id_key(std::string_view(name.data(), n));
}

void Preparer::rewrite_id(std::size_t token_begin, const Token& token) {
  const std::string_view body = in_.substr(token.body_begin, token.body_end - token.body_begin);
  id_bytes_.clear();
  int high = -1;  // the pending first nibble of a byte
  const bool hex = !token.repaired && for_each_ascii(body, [&](char c) {
    const int v = hex_value(static_cast<unsigned char>(c));
    if (v < 0) return false;
    if (high < 0) {
      high = v;
    } else {
      id_bytes_ += static_cast<char>(high * 16 + v);
      high = -1;
    }
    return true;
  });
  // The quoted base64 replaces the whole token, quotes included.
  copy_up_to(token_begin);
  append_json_base64(hex && high < 0 ? std::string_view(id_bytes_) : kInvalidOtlpId, out_);
  copied_ = pos_;
}

void Preparer::replace(std::size_t begin, std::size_t end, std::string_view replacement) {
  copy_up_to(begin);
  out_ += replacement;
  copied_ = end;
}

void Preparer::copy_up_to(std::size_t begin) {
  if (!rewritten_) {
    rewritten_ = true;
    out_.clear();
    // Ids shrink (32 hex digits become 24 base64 ones), so this is usually all it takes.
    out_.reserve(in_.size());
  }
  out_.append(in_, copied_, begin - copied_);
}

}  // namespace

core::Result<bool> prepare_otlp_json(std::string_view json, std::string& out) {
  return Preparer(json, out).run();
}

}  // namespace vigil::otlp
