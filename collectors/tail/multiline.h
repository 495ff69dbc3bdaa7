#pragma once

// Joins a file's lines into multiline events (stack traces, tracebacks, panics).
//
// Core usage (one assembler per file; all calls on one thread):
//   auto assembler = MultilineAssembler::create(config, [&](const MultilineEvent& event) {
//     encode a LogRecord with body event.text (valid during the call only);
//     remember event.end_offset for the checkpoint; if (event.cut != MultilineCut::kNone) count;
//   });
//   assembler->add_line(line, observed, offset_after_line);  // may emit 0, 1 or 2 events
//   timer: if (auto due = assembler->next_deadline()) arm it for *due; on firing
//          assembler->flush_due(now);
//   EOF of a file being closed, rotation, shutdown: assembler->flush();
//
// Rules:
// - start_pattern: a matching line begins a new event; other lines join the current one (lines
//   before the first start line form an event of their own).
// - continue_pattern: a matching line joins the current event; other lines begin a new one.
// - preset "java": a line joins when it is a stack frame ("<ws>at ..."), "<ws>... N more",
//   "<ws>... N common frames omitted", "[<ws>]Caused by: ...", "<ws>Suppressed: ...", or an
//   exception line "pkg.SomeException[: msg]" (so "ERROR failed" + the trace is one event).
// - preset "python": "Traceback (most recent call last):" joins the current event (the
//   logger.exception() message before it); then indented lines join, and the first unindented
//   line, if it reads as an exception ("XxxError: msg", "pkg.Error", "KeyboardInterrupt"), ends
//   the traceback and joins too (any other unindented line ends it and begins a new event). A blank
//   line followed by "During handling of the above exception..." or "The above exception was the
//   direct cause..." continues the chain; "Exception Group Traceback" blocks run while lines are
//   indented.
// - preset "go": "panic: ", "fatal error: " or "goroutine N [...]:" begins an event; it runs
//   until a blank line; a blank line followed by "goroutine N [...]:" resumes it (one event for
//   the whole dump), anything else ends it.
// A blank line that turns out not to continue an event is emitted as an event of its own,
// exactly as it would be without multiline: nothing is dropped.
// Limits: an event reaching max_lines, or a line that would take it past max_bytes, ends the
// event (cut = kMaxLines / kMaxBytes) and the line begins the next one; a single line longer
// than max_bytes is split at UTF-8 boundaries into max_bytes pieces, each cut = kMaxBytes.
// Timer: the event is emitted flush_timeout after its last line arrived.
// Steady state allocates nothing: the event buffer keeps its capacity; regex match data is reused.

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/core/clock.h"
#include "collectors/tail/multiline_config.h"

namespace vigil::collectors::tail {

enum class MultilineCut : std::uint8_t { kNone, kMaxLines, kMaxBytes };

struct MultilineEvent {
  std::string_view text;  // lines joined with "\n", no trailing newline; valid during the call
  std::size_t lines = 0;
  core::MonoTime first_observed{};  // `observed` of the event's first line
  // `end_offset` given with the event's last line; for a piece of a split line other than the
  // last, the end_offset of the previous event (nothing after it is complete yet).
  std::uint64_t end_offset = 0;
  MultilineCut cut = MultilineCut::kNone;
};

// Decides, line by line, how a line relates to the event being assembled (multiline.cpp has
// one per mode).
class MultilineRule;

class MultilineAssembler {
 public:
  using Sink = std::function<void(const MultilineEvent&)>;

  // Fails only for a config that parse_multiline_config would have rejected (bad pattern, or
  // multiline not enabled).
  static std::expected<std::unique_ptr<MultilineAssembler>, std::string> create(
      const MultilineConfig& config, Sink sink);
  ~MultilineAssembler();
  MultilineAssembler(const MultilineAssembler&) = delete;
  MultilineAssembler& operator=(const MultilineAssembler&) = delete;

  // `line` without its line ending. `end_offset` is the caller's position after the line (the
  // file offset after its newline), returned with the event that ends with this line.
  void add_line(std::string_view line, core::MonoTime observed, std::uint64_t end_offset);
  // When the pending event (if any) falls due: its last line's time + flush_timeout.
  std::optional<core::MonoTime> next_deadline() const;
  // Emits the pending event if `now` is at or past next_deadline().
  void flush_due(core::MonoTime now);
  // Emits whatever is pending (EOF, rotation, shutdown) and starts afresh.
  void flush();
  // True when lines are held that no event has emitted yet.
  bool pending() const { return lines_ > 0 || held_line_; }
  // end_offset of the last emitted event (0 before the first).
  std::uint64_t emitted_offset() const { return emitted_offset_; }

 private:
  MultilineAssembler(const MultilineConfig& config, std::unique_ptr<MultilineRule> rule, Sink sink);
  void begin_event(std::string_view line, core::MonoTime observed, std::uint64_t end_offset);
  void append_line(std::string_view line, core::MonoTime observed, std::uint64_t end_offset);
  void emit_event(MultilineCut cut);
  void emit_held_line();
  void emit_split_line(std::string_view line, core::MonoTime observed, std::uint64_t end_offset);

  std::size_t max_lines_;
  std::size_t max_bytes_;
  core::Duration flush_timeout_;
  std::unique_ptr<MultilineRule> rule_;
  Sink sink_;

  std::string event_;  // the event being assembled
  std::size_t lines_ = 0;
  core::MonoTime first_observed_{};
  core::MonoTime last_observed_{};
  std::uint64_t end_offset_ = 0;
  // A blank line whose fate depends on the next line (python and go presets).
  std::string held_;
  bool held_line_ = false;
  core::MonoTime held_observed_{};
  std::uint64_t held_end_offset_ = 0;
  std::uint64_t emitted_offset_ = 0;
};

}  // namespace vigil::collectors::tail
