// Multiline assembly over arbitrary lines: nothing is lost, duplicated or reordered. The input's
// first byte picks the mode (java, python, go, a start pattern, a continue pattern), the next two
// max_lines (1-8) and max_bytes (1-64); the rest is split on '\n' into lines, and a line "\x02"
// instead lets the flush timer fire. Emitted events, each followed by "\n" when it completes a
// line (its end_offset advanced), must rebuild the input exactly; no event exceeds the limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/tail/multiline.h"

namespace {

using vigil::collectors::tail::MultilineAssembler;
using vigil::collectors::tail::MultilineConfig;
using vigil::collectors::tail::MultilineCut;
using vigil::collectors::tail::MultilineEvent;
using vigil::collectors::tail::MultilinePreset;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  MultilineConfig config;
  switch (data[0] % 5) {
    case 0:
      config.preset = MultilinePreset::kJava;
      break;
    case 1:
      config.preset = MultilinePreset::kPython;
      break;
    case 2:
      config.preset = MultilinePreset::kGo;
      break;
    case 3:
      config.start_pattern = R"(^\d{4}-|^\S+:)";
      break;
    default:
      config.continue_pattern = R"(^\s|^$)";
      break;
  }
  config.max_lines = 1 + data[1] % 8;
  config.max_bytes = 1 + data[2] % 64;
  config.flush_timeout = std::chrono::seconds(1);
  const std::string_view input(reinterpret_cast<const char*>(data + 3), size - 3);

  std::string rebuilt;
  std::uint64_t last_offset = 0;
  auto assembler = MultilineAssembler::create(config, [&](const MultilineEvent& event) {
    check(event.text.size() <= config.max_bytes);
    check(event.lines >= 1 && event.lines <= config.max_lines);
    check(event.end_offset >= last_offset);
    rebuilt.append(event.text);
    if (event.end_offset > last_offset) rebuilt += '\n';
    check(event.end_offset == last_offset || event.end_offset == rebuilt.size());
    if (event.cut == MultilineCut::kNone) check(event.end_offset > last_offset);
    last_offset = event.end_offset;
  });
  check(assembler.has_value());

  std::string expected;
  vigil::core::MonoTime now{std::chrono::seconds(1)};
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (line == "\x02") {
      now += std::chrono::seconds(2);
      (*assembler)->flush_due(now);
      check(!(*assembler)->pending());
      continue;
    }
    now += std::chrono::milliseconds(1);
    expected.append(line);
    expected += '\n';
    (*assembler)->add_line(line, now, expected.size());
    if (const auto deadline = (*assembler)->next_deadline()) check(*deadline > now);
  }
  (*assembler)->flush();
  check(!(*assembler)->pending());
  check(rebuilt == expected);
  check((*assembler)->emitted_offset() == expected.size());
  return 0;
}
