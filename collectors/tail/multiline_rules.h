#pragma once

// The per-mode decisions of multiline assembly (multiline.h describes the modes): given a line,
// does it begin a new event, join the current one, or wait for the next line to decide?

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "collectors/tail/multiline_config.h"

namespace vigil::collectors::tail {

enum class LineAction : std::uint8_t {
  kBegin,  // the line begins a new event (the current one, if any, is complete)
  kJoin,   // the line joins the current event (begins one if none is open)
  kHold,   // keep the line aside; the next line decides (only while an event is open)
};

class MultilineRule {
 public:
  virtual ~MultilineRule() = default;
  // `open`: an event is being assembled. `holding`: the previous line was held (kHold); the
  // answer then covers both: kJoin appends the held line and this one, kBegin ends the event,
  // emits the held line alone and begins a new event with this line. Never kHold while holding.
  virtual LineAction classify(std::string_view line, bool open, bool holding) = 0;
  // The assembler emitted everything (timeout, EOF): forget any trace/panic in progress.
  virtual void reset() {}
};

// Fails for a pattern PCRE2 rejects or a config without any mode.
std::expected<std::unique_ptr<MultilineRule>, std::string> make_multiline_rule(
    const MultilineConfig& config);

// Exposed for tests: the line tests of the presets.
bool is_java_continuation(std::string_view line);
bool is_python_exception_line(std::string_view line);
bool is_go_goroutine_header(std::string_view line);
bool is_go_stack_line(std::string_view line);

}  // namespace vigil::collectors::tail
