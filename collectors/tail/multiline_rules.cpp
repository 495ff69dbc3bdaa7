#include "collectors/tail/multiline_rules.h"

#include <utility>

#include "collectors/tail/pcre2_regex.h"

namespace vigil::collectors::tail {
namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool is_indented(std::string_view line) {
  return !line.empty() && (line[0] == ' ' || line[0] == '\t');
}

std::string_view skip_spaces(std::string_view line) {
  const std::size_t i = line.find_first_not_of(" \t");
  return i == std::string_view::npos ? std::string_view() : line.substr(i);
}

std::string_view trim_right(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return line;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_identifier_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$';
}

// "pkg.sub.SomeException", "a.B$InnerError", "java.lang.Throwable", each optionally followed by
// ": message": how Throwable.toString() starts the trace.
bool is_java_exception_line(std::string_view line) {
  std::size_t i = 0;
  std::size_t dots = 0;
  std::size_t segment_start = 0;
  while (true) {
    const std::size_t start = i;
    while (i < line.size() && is_identifier_byte(line[i])) ++i;
    if (i == start) return false;
    segment_start = start;
    if (i < line.size() && line[i] == '.') {
      ++dots;
      ++i;
      continue;
    }
    break;
  }
  if (dots == 0) return false;
  const std::string_view name = line.substr(segment_start, i - segment_start);
  if (!name.ends_with("Exception") && !name.ends_with("Error") && !name.ends_with("Throwable")) {
    return false;
  }
  return i == line.size() || line[i] == ':';
}

// "... 12 more" / "... 12 common frames omitted" (after indentation).
bool is_java_elision(std::string_view rest) {
  if (!rest.starts_with("... ")) return false;
  rest.remove_prefix(4);
  std::size_t i = 0;
  while (i < rest.size() && is_digit(rest[i])) ++i;
  if (i == 0) return false;
  rest = trim_right(rest.substr(i));
  return rest == " more" || rest == " common frames omitted";
}

// Regex modes: a start pattern (matching lines begin events) or a continue pattern (matching
// lines join them).
class PatternRule final : public MultilineRule {
 public:
  PatternRule(std::shared_ptr<const Pcre2Regex> regex, bool matches_begin)
      : regex_(std::move(regex)), matcher_(*regex_), matches_begin_(matches_begin) {}

  LineAction classify(std::string_view line, bool, bool) override {
    const bool matched = matcher_.match(line);
    return matched == matches_begin_ ? LineAction::kBegin : LineAction::kJoin;
  }

 private:
  std::shared_ptr<const Pcre2Regex> regex_;  // shared by every file's assembler
  Pcre2Matcher matcher_;
  bool matches_begin_;
};

class JavaRule final : public MultilineRule {
 public:
  LineAction classify(std::string_view line, bool, bool) override {
    return is_java_continuation(line) ? LineAction::kJoin : LineAction::kBegin;
  }
};

class PythonRule final : public MultilineRule {
 public:
  LineAction classify(std::string_view line, bool open, bool holding) override {
    switch (state_) {
      case State::kHeldBlank:  // holding the blank line after an exception line
        if (line.starts_with("During handling of the above exception") ||
            line.starts_with("The above exception was the direct cause")) {
          state_ = State::kChainIntro;
          return LineAction::kJoin;
        }
        return begin(line);
      case State::kChainIntro:
        if (is_blank(line)) return LineAction::kJoin;
        if (start_traceback(line)) return LineAction::kJoin;
        return begin(line);
      case State::kTraceback:
        if (is_indented(line)) return LineAction::kJoin;
        if (is_blank(line)) return hold(open, holding);
        if (!is_python_exception_line(line)) return begin(line);  // a cut-short traceback
        state_ = State::kAfterException;                          // the "ValueError: message" line
        return LineAction::kJoin;
      case State::kGroup:
        if (is_indented(line)) return LineAction::kJoin;
        if (is_blank(line)) return hold(open, holding);
        return begin(line);
      case State::kAfterException:
        if (is_blank(line)) return hold(open, holding);
        return begin(line);
      case State::kNormal:
        // logger.exception("msg") writes the message line, then the traceback: one event.
        if (start_traceback(line)) return LineAction::kJoin;
        return LineAction::kBegin;
    }
    return LineAction::kBegin;
  }

  void reset() override { state_ = State::kNormal; }

 private:
  enum class State : std::uint8_t {
    kNormal,
    kTraceback,
    kGroup,
    kAfterException,
    kHeldBlank,
    kChainIntro
  };

  bool start_traceback(std::string_view line) {
    const std::string_view trimmed = trim_right(line);
    if (trimmed == "Traceback (most recent call last):") {
      state_ = State::kTraceback;
      return true;
    }
    if (trimmed.ends_with("Exception Group Traceback (most recent call last):")) {
      state_ = State::kGroup;
      return true;
    }
    state_ = State::kNormal;
    return false;
  }

  // A line that cannot continue the traceback: it begins a new event, which may itself be a
  // bare traceback.
  LineAction begin(std::string_view line) {
    start_traceback(line);
    return LineAction::kBegin;
  }

  LineAction hold(bool open, bool holding) {
    if (!open || holding) {
      state_ = State::kNormal;
      return LineAction::kBegin;
    }
    state_ = State::kHeldBlank;
    return LineAction::kHold;
  }

  State state_ = State::kNormal;
};

class GoRule final : public MultilineRule {
 public:
  LineAction classify(std::string_view line, bool open, bool holding) override {
    if (holding) {  // the blank line after a block
      if (is_go_goroutine_header(line)) {
        state_ = State::kStack;
        return LineAction::kJoin;
      }
      return begin(line);
    }
    if (state_ == State::kNormal) return begin(line);
    if (is_blank(line)) {
      if (!open) return begin(line);
      state_ = State::kHeld;
      return LineAction::kHold;
    }
    if (is_go_goroutine_header(line)) {
      state_ = State::kStack;
      return LineAction::kJoin;
    }
    // Inside a goroutine block only frames continue it: a log line written right after the
    // dump (a restarted process appending to the same file) begins its own event.
    if (state_ == State::kStack && !is_go_stack_line(line)) return begin(line);
    return LineAction::kJoin;
  }

  void reset() override { state_ = State::kNormal; }

 private:
  enum class State : std::uint8_t { kNormal, kHeader, kStack, kHeld };

  LineAction begin(std::string_view line) {
    if (line.starts_with("panic: ") || line.starts_with("fatal error: ")) {
      state_ = State::kHeader;
    } else if (is_go_goroutine_header(line)) {
      state_ = State::kStack;
    } else {
      state_ = State::kNormal;
    }
    return LineAction::kBegin;
  }

  State state_ = State::kNormal;
};

}  // namespace

bool is_java_continuation(std::string_view line) {
  const std::string_view rest = skip_spaces(line);
  if (rest.starts_with("Caused by: ")) return true;
  if (rest.size() != line.size()) {  // indented
    if (rest.starts_with("at ") || rest.starts_with("Suppressed: ")) return true;
    if (is_java_elision(rest)) return true;
  }
  return is_java_exception_line(line);
}

// "\t/src/app/main.go:12 +0x65", "main.(*Server).handle(0x0, {0x4c3f60, 0xc000012345})",
// "created by main.main in goroutine 1", "...additional frames elided...".
bool is_go_stack_line(std::string_view line) {
  line = trim_right(line);
  if (line.starts_with('\t') || line.starts_with("created by ") ||
      line == "...additional frames elided...") {
    return true;
  }
  const std::size_t paren = line.find('(');
  return paren != std::string_view::npos && paren > 0 && line.ends_with(')') &&
         line.substr(0, paren).find(' ') == std::string_view::npos;
}

// "ValueError: bad", "app.errors.GatewayError: declined", "KeyboardInterrupt": a dotted name,
// then the end of the line or ":".
bool is_python_exception_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (is_identifier_byte(line[i]) || line[i] == '.') && line[i] != '$') ++i;
  if (i == 0 || is_digit(line[0]) || line[0] == '.') return false;
  return i == line.size() || line[i] == ':';
}

// "goroutine 1 [running]:", "goroutine 18 [chan receive, 2 minutes]:"
bool is_go_goroutine_header(std::string_view line) {
  line = trim_right(line);
  if (!line.starts_with("goroutine ")) return false;
  std::size_t i = 10;
  const std::size_t digits = i;
  while (i < line.size() && is_digit(line[i])) ++i;
  if (i == digits || i + 1 >= line.size() || line[i] != ' ' || line[i + 1] != '[') return false;
  return line.ends_with("]:");
}

std::expected<std::unique_ptr<MultilineRule>, std::string> make_multiline_rule(
    const MultilineConfig& config) {
  if (!config.start_pattern.empty() || !config.continue_pattern.empty()) {
    const bool start = !config.start_pattern.empty();
    std::shared_ptr<const Pcre2Regex> compiled = config.compiled_pattern;
    if (!compiled) {
      auto regex = Pcre2Regex::compile(start ? config.start_pattern : config.continue_pattern);
      if (!regex) {
        return std::unexpected((start ? "start_pattern: " : "continue_pattern: ") + regex.error());
      }
      compiled = std::make_shared<const Pcre2Regex>(std::move(*regex));
    }
    return std::make_unique<PatternRule>(std::move(compiled), start);
  }
  switch (config.preset) {
    case MultilinePreset::kJava:
      return std::make_unique<JavaRule>();
    case MultilinePreset::kPython:
      return std::make_unique<PythonRule>();
    case MultilinePreset::kGo:
      return std::make_unique<GoRule>();
    case MultilinePreset::kNone:
      break;
  }
  return std::unexpected("multiline needs start_pattern, continue_pattern or preset");
}

}  // namespace vigil::collectors::tail
