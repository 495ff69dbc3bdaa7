#include "agent/config/env_substitution.h"

#include <fmt/format.h>

#include "agent/config/quote.h"

namespace vigil::config {

namespace {

enum class Context { kBare, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool has_control_other_than_tab(std::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) return true;
  }
  return false;
}

// One pass over the document. Lines are never added or removed, so the input and output
// share line numbers; only columns differ on lines with substitutions.
class Substituter {
 public:
  Substituter(std::string_view text, std::string_view file_name, const EnvLookup& env,
              Diagnostics& diagnostics)
      : in_(text), file_name_(file_name), env_(env), diagnostics_(diagnostics) {
    out_.text.reserve(text.size());
  }

  SubstitutedText run() {
    // toml++ skips a byte order mark without counting a column; so must we.
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    if (in_.starts_with(kByteOrderMark)) {
      out_.text += kByteOrderMark;
      pos_ = kByteOrderMark.size();
    }
    while (pos_ < in_.size()) step();
    return std::move(out_);
  }

 private:
  bool at(std::string_view s) const { return in_.substr(pos_).starts_with(s); }

  // Consumes input without producing output.
  void skip(std::size_t n) {
    for (std::size_t i = 0; i < n && pos_ < in_.size(); ++i, ++pos_) {
      if (in_[pos_] == '\n') {
        ++line_;
        in_column_ = 1;
      } else if (!is_continuation_byte(in_[pos_])) {
        ++in_column_;
      }
    }
  }

  // Appends text that holds no line break.
  void emit(std::string_view s) {
    out_.text += s;
    for (char c : s) {
      if (!is_continuation_byte(c)) ++out_column_;
    }
  }

  void copy(std::size_t n) {
    n = std::min(n, in_.size() - pos_);
    const std::string_view piece = in_.substr(pos_, n);
    for (char c : piece) {
      out_.text.push_back(c);
      if (c == '\n') {
        out_column_ = 1;
      } else if (!is_continuation_byte(c)) {
        ++out_column_;
      }
    }
    skip(n);
  }

  // Copies a run of closing quotes: TOML lets up to two quotes of the content sit right before
  // the closing delimiter ("""a"""" is `a"`), so the delimiter is the last three of the run.
  void close_multi_line(char quote_char) {
    std::size_t n = 0;
    while (pos_ + n < in_.size() && in_[pos_ + n] == quote_char && n < 5) ++n;
    copy(n);
    context_ = Context::kBare;
  }

  void step() {
    const char c = in_[pos_];
    switch (context_) {
      case Context::kComment:
        if (c == '\n') context_ = Context::kBare;
        copy(1);
        return;
      case Context::kBare:
        if (c == '#') {
          context_ = Context::kComment;
          copy(1);
        } else if (at(R"(""")")) {
          context_ = Context::kMultiBasic;
          copy(3);
        } else if (c == '"') {
          context_ = Context::kBasic;
          copy(1);
        } else if (at("'''")) {
          context_ = Context::kMultiLiteral;
          copy(3);
        } else if (c == '\'') {
          context_ = Context::kLiteral;
          copy(1);
        } else if (c == '$') {
          dollar();
        } else {
          copy(1);
        }
        return;
      case Context::kBasic:
        if (c == '\\') {
          copy(2);  // an escape, \" included
        } else if (c == '"' || c == '\n') {
          context_ = Context::kBare;
          copy(1);
        } else if (c == '$') {
          dollar();
        } else {
          copy(1);
        }
        return;
      case Context::kLiteral:
        if (c == '\'' || c == '\n') {
          context_ = Context::kBare;
          copy(1);
        } else if (c == '$') {
          dollar();
        } else {
          copy(1);
        }
        return;
      case Context::kMultiBasic:
        if (c == '\\') {
          copy(2);
        } else if (at(R"(""")")) {
          close_multi_line('"');
        } else if (c == '$') {
          dollar();
        } else {
          copy(1);
        }
        return;
      case Context::kMultiLiteral:
        if (at("'''")) {
          close_multi_line('\'');
        } else if (c == '$') {
          dollar();
        } else {
          copy(1);
        }
        return;
    }
  }

  void dollar() {
    if (at("$${")) {
      emit("${");
      skip(3);
    } else if (at("${")) {
      reference();
    } else {
      copy(1);
    }
  }

  void fail(std::uint32_t column, std::string message) {
    diagnostics_.add(fmt::format("{}:{}:{}: {}", file_name_, line_, column, message),
                     SourcePosition{line_, column});
  }

  void reference() {
    const std::uint32_t column = in_column_;
    const std::size_t end = in_.find_first_of("}\n", pos_ + 2);
    if (end == std::string_view::npos || in_[end] != '}') {
      const std::size_t line_end = std::min(in_.find('\n', pos_), in_.size());
      fail(column, fmt::format("unterminated variable reference {}: missing \"}}\"",
                               quote(in_.substr(pos_, line_end - pos_))));
      copy(2);
      return;
    }
    const std::string_view whole = in_.substr(pos_, end + 1 - pos_);
    const std::string_view inner = in_.substr(pos_ + 2, end - pos_ - 2);
    std::size_t name_length = 0;
    while (name_length < inner.size() && is_name_char(inner[name_length])) ++name_length;
    const std::string_view name = inner.substr(0, name_length);
    const std::string_view rest = inner.substr(name_length);
    std::optional<std::string_view> default_value;
    if (rest.starts_with(":-")) default_value = rest.substr(2);
    if (name.empty()) {
      fail(column, fmt::format("malformed variable reference {}: expected a variable name "
                               "(letters, digits and \"_\", not starting with a digit)",
                               quote(whole)));
    } else if (name.front() >= '0' && name.front() <= '9') {
      fail(column, fmt::format("malformed variable reference {}: variable name {} starts with a "
                               "digit",
                               quote(whole), quote(name)));
    } else if (!rest.empty() && !default_value) {
      fail(column, fmt::format("malformed variable reference {}: expected \"}}\" or "
                               "\":-default\" after the name {}",
                               quote(whole), quote(name)));
    } else {
      insert(column, name, default_value);
    }
    skip(whole.size());
  }

  void insert(std::uint32_t column, std::string_view name,
              std::optional<std::string_view> default_value) {
    std::optional<std::string> value = env_ ? env_(name) : std::nullopt;
    if (default_value && (!value || value->empty())) value = std::string(*default_value);
    if (!value) {
      fail(column, fmt::format("environment variable {} is not set (use ${{{}:-default}} for a "
                               "default)",
                               quote(name), name));
      return;
    }
    std::string text;
    switch (context_) {
      case Context::kBasic:
      case Context::kMultiBasic: {
        const std::string quoted = quote(*value);
        text = quoted.substr(1, quoted.size() - 2);
        break;
      }
      case Context::kLiteral:
        if (value->find('\'') != std::string::npos || has_control_other_than_tab(*value)) {
          fail(column, fmt::format("the value of ${{{}}} contains a single quote or a control "
                                   "character, which a literal string '...' cannot hold; use a "
                                   "basic string \"...\", where it is escaped",
                                   name));
          return;
        }
        text = *value;
        break;
      case Context::kMultiLiteral:
        if (value->find("'''") != std::string::npos || has_control_other_than_tab(*value)) {
          fail(column, fmt::format("the value of ${{{}}} contains ''' or a control character "
                                   "(line breaks included), which a literal string '''...''' "
                                   "cannot hold here; use a basic string \"\"\"...\"\"\", where "
                                   "it is escaped",
                                   name));
          return;
        }
        text = *value;
        break;
      case Context::kBare:
      case Context::kComment:
        if (value->find_first_of("\r\n") != std::string::npos) {
          fail(column, fmt::format("the value of ${{{}}} contains a line break, which only a "
                                   "quoted string can hold (\"${{{}}}\")",
                                   name, name));
          return;
        }
        text = *value;
        break;
    }
    SubstitutedSpan span;
    span.line = line_;
    span.first_column = out_column_;
    emit(text);
    span.last_column = out_column_ - 1;
    out_.spans.push_back(span);
  }

  std::string_view in_;
  std::string_view file_name_;
  const EnvLookup& env_;
  Diagnostics& diagnostics_;
  SubstitutedText out_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t in_column_ = 1;
  std::uint32_t out_column_ = 1;
  Context context_ = Context::kBare;
};

}  // namespace

SubstitutedText substitute_env(std::string_view text, std::string_view file_name,
                               const EnvLookup& env, Diagnostics& diagnostics) {
  return Substituter(text, file_name, env, diagnostics).run();
}

}  // namespace vigil::config
