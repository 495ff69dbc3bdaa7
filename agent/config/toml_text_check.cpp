#include "agent/config/toml_text_check.h"

namespace vigil::config {

namespace {

// Walks the text byte by byte, keeping the position of the current byte.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return at_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const {
    return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\0';
  }
  bool starts_with(std::string_view s) const { return text_.substr(at_).starts_with(s); }
  void advance(std::size_t n = 1) {
    for (; n > 0 && !done(); --n, ++at_) {
      const auto byte = static_cast<unsigned char>(text_[at_]);
      if (byte == '\n') {
        ++position_.line;
        position_.column = 1;
      } else if ((byte & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
        ++position_.column;
      }
    }
  }
  TextPosition position() const { return position_; }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
  TextPosition position_;
};

// Skips a multi-line string whose opening `delimiter` (""" or ''') has been consumed. Its end
// is the last three quotes of a run: up to two quotes may end the content ("""a"""" holds a").
void skip_multiline(Cursor& c, char quote, bool escapes) {
  while (!c.done()) {
    if (escapes && c.peek() == '\\') {
      c.advance(2);
      continue;
    }
    if (c.peek() == quote && c.peek(1) == quote && c.peek(2) == quote) {
      std::size_t run = 3;
      while (run < 5 && c.peek(run) == quote) ++run;
      c.advance(run);
      return;
    }
    c.advance();
  }
}

// Skips a single-line string whose opening quote has been consumed.
void skip_line_string(Cursor& c, char quote, bool escapes) {
  while (!c.done() && c.peek() != '\n') {
    if (escapes && c.peek() == '\\' && c.peek(1) != '\n') {
      c.advance(2);
      continue;
    }
    const char ch = c.peek();
    c.advance();
    if (ch == quote) return;
  }
}

}  // namespace

std::optional<TextPosition> find_non_ascii_outside_strings(std::string_view text) {
  Cursor c(text);
  while (!c.done()) {
    const char ch = c.peek();
    if (ch == '#') {
      while (!c.done() && c.peek() != '\n') c.advance();
    } else if (ch == '"' || ch == '\'') {
      const bool escapes = ch == '"';
      if (c.peek(1) == ch && c.peek(2) == ch) {
        c.advance(3);
        skip_multiline(c, ch, escapes);
      } else {
        c.advance();
        skip_line_string(c, ch, escapes);
      }
    } else if (static_cast<unsigned char>(ch) >= 0x80) {
      return c.position();
    } else {
      c.advance();
    }
  }
  return std::nullopt;
}

}  // namespace vigil::config
