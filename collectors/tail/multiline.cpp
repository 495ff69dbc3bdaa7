#include "collectors/tail/multiline.h"

#include <algorithm>
#include <utility>

#include "collectors/tail/multiline_rules.h"

namespace vigil::collectors::tail {
namespace {

// The event buffer grows to the events it sees and keeps up to this much capacity between
// them; a rare larger event allocates for itself and the buffer shrinks back after it, so a file
// that once logged a 1 MiB trace does not keep 1 MiB for the rest of its life. (Nothing is
// reserved up front: a thousand quiet files should not cost a buffer each.)
constexpr std::size_t kRetainedCapacity = 64 * 1024;

// The longest prefix of `text` of at most `limit` bytes that does not end inside a UTF-8
// sequence (at least one byte, so splitting always makes progress).
std::size_t utf8_cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text.size();
  std::size_t cut = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the sequence at `cut`.
  std::size_t back = 0;
  while (cut > 0 && back < 3 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
    ++back;
  }
  return cut == 0 ? limit : cut;
}

}  // namespace

std::expected<std::unique_ptr<MultilineAssembler>, std::string> MultilineAssembler::create(
    const MultilineConfig& config, Sink sink) {
  auto rule = make_multiline_rule(config);
  if (!rule) return std::unexpected(rule.error());
  if (config.max_lines == 0 || config.max_bytes == 0) {
    return std::unexpected("max_lines and max_bytes must be positive");
  }
  return std::unique_ptr<MultilineAssembler>(
      new MultilineAssembler(config, std::move(*rule), std::move(sink)));
}

MultilineAssembler::MultilineAssembler(const MultilineConfig& config,
                                       std::unique_ptr<MultilineRule> rule, Sink sink)
    : max_lines_(config.max_lines),
      max_bytes_(config.max_bytes),
      flush_timeout_(config.flush_timeout),
      rule_(std::move(rule)),
      sink_(std::move(sink)) {}

MultilineAssembler::~MultilineAssembler() = default;

void MultilineAssembler::add_line(std::string_view line, core::MonoTime observed,
                                  std::uint64_t end_offset) {
  const LineAction action = rule_->classify(line, lines_ > 0, held_line_);
  if (held_line_) {
    held_line_ = false;
    if (action == LineAction::kJoin) {
      append_line(held_, held_observed_, held_end_offset_);
      append_line(line, observed, end_offset);
      return;
    }
    if (lines_ > 0) emit_event(MultilineCut::kNone);
    emit_held_line();
    begin_event(line, observed, end_offset);
    return;
  }
  switch (action) {
    case LineAction::kJoin:
      if (lines_ == 0) {
        begin_event(line, observed, end_offset);
      } else {
        append_line(line, observed, end_offset);
      }
      return;
    case LineAction::kHold:
      if (lines_ > 0) {
        held_.assign(line);
        held_line_ = true;
        held_observed_ = observed;
        held_end_offset_ = end_offset;
        last_observed_ = observed;
        return;
      }
      begin_event(line, observed, end_offset);  // nothing to continue: an event of its own
      return;
    case LineAction::kBegin:
      if (lines_ > 0) emit_event(MultilineCut::kNone);
      begin_event(line, observed, end_offset);
      return;
  }
}

void MultilineAssembler::begin_event(std::string_view line, core::MonoTime observed,
                                     std::uint64_t end_offset) {
  if (line.size() > max_bytes_) {
    emit_split_line(line, observed, end_offset);
    return;
  }
  event_.assign(line);
  lines_ = 1;
  first_observed_ = observed;
  last_observed_ = observed;
  end_offset_ = end_offset;
}

void MultilineAssembler::append_line(std::string_view line, core::MonoTime observed,
                                     std::uint64_t end_offset) {
  if (lines_ == 0) {
    begin_event(line, observed, end_offset);
    return;
  }
  if (lines_ >= max_lines_) {
    emit_event(MultilineCut::kMaxLines);
    begin_event(line, observed, end_offset);
    return;
  }
  if (event_.size() + 1 + line.size() > max_bytes_) {
    emit_event(MultilineCut::kMaxBytes);
    begin_event(line, observed, end_offset);
    return;
  }
  event_.push_back('\n');
  event_.append(line);
  ++lines_;
  last_observed_ = observed;
  end_offset_ = end_offset;
}

void MultilineAssembler::emit_event(MultilineCut cut) {
  const MultilineEvent event{event_, lines_, first_observed_, end_offset_, cut};
  lines_ = 0;
  emitted_offset_ = end_offset_;
  sink_(event);
  event_.clear();
  if (event_.capacity() > kRetainedCapacity) event_.shrink_to_fit();
}

void MultilineAssembler::emit_held_line() {
  if (held_.size() > max_bytes_) {  // a blank line of many spaces: held whole, emitted in pieces
    emit_split_line(held_, held_observed_, held_end_offset_);
    return;
  }
  emitted_offset_ = held_end_offset_;
  sink_(MultilineEvent{held_, 1, held_observed_, held_end_offset_, MultilineCut::kNone});
}

void MultilineAssembler::emit_split_line(std::string_view line, core::MonoTime observed,
                                         std::uint64_t end_offset) {
  while (!line.empty()) {
    const std::size_t n = utf8_cut(line, max_bytes_);
    const bool last = n == line.size();
    // Only the last piece completes the line: earlier pieces report the offset already emitted,
    // so a checkpoint taken after them re-reads the whole line rather than losing its tail.
    const std::uint64_t offset = last ? end_offset : emitted_offset_;
    emitted_offset_ = offset;
    sink_(MultilineEvent{line.substr(0, n), 1, observed, offset, MultilineCut::kMaxBytes});
    line.remove_prefix(n);
  }
}

std::optional<core::MonoTime> MultilineAssembler::next_deadline() const {
  if (!pending()) return std::nullopt;
  return last_observed_ + flush_timeout_;
}

void MultilineAssembler::flush_due(core::MonoTime now) {
  const auto deadline = next_deadline();
  if (deadline && now >= *deadline) flush();
}

void MultilineAssembler::flush() {
  if (lines_ > 0) emit_event(MultilineCut::kNone);
  if (held_line_) {
    held_line_ = false;
    emit_held_line();
  }
  rule_->reset();
}

}  // namespace vigil::collectors::tail
