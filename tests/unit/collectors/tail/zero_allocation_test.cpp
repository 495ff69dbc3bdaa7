// The per-line paths allocate nothing in steady state: after a warm-up line of each shape, the
// assembler's event buffer, ParsedLine's storage, the JSON parser's copy of the line and PCRE2's
// match data are all reused. Counted by replacing the global operator new for this test
// executable (counting_operator_new.h). RapidJSON's reader would allocate with malloc, which this
// does not see, but in the JSON parser's mode (in place, recursive) it allocates nothing at all.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "collectors/tail/line_parser.h"
#include "collectors/tail/multiline.h"
#include "tests/unit/support/counting_operator_new.h"

namespace vigil::collectors::tail {
namespace {

std::size_t allocations() { return vigil::testing::allocation_count(); }

TEST(ZeroAllocationTest, CounterSeesAllocations) {
  const std::size_t before = allocations();
  auto p = std::make_unique<std::string>(1000, 'x');
  EXPECT_GT(allocations(), before);
}

// Runs `step` over `rounds` rounds after one warm-up round; returns the allocations seen.
template <typename Step>
std::size_t allocations_in_steady_state(int rounds, Step step) {
  step(0);
  const std::size_t before = allocations();
  for (int i = 1; i <= rounds; ++i) step(i);
  return allocations() - before;
}

TEST(ZeroAllocationTest, MultilinePresetsAndPatterns) {
  const std::vector<std::string> trace = {
      "2024-05-01 12:00:00 ERROR failed",     "java.lang.IllegalStateException: boom",
      "\tat com.example.A.b(A.java:1)",       "\tat com.example.C.d(C.java:2)",
      "Caused by: java.io.IOException: disk", "\t... 3 more"};
  for (const bool use_pattern : {false, true}) {
    MultilineConfig config;
    if (use_pattern) {
      config.start_pattern = R"(^\d{4}-\d{2}-\d{2} )";
    } else {
      config.preset = MultilinePreset::kJava;
    }
    std::size_t bytes = 0;
    auto assembler = *MultilineAssembler::create(
        config, [&](const MultilineEvent& event) { bytes += event.text.size(); });
    std::uint64_t offset = 0;
    core::MonoTime now{};
    const std::size_t n = allocations_in_steady_state(1000, [&](int) {
      for (const auto& line : trace) {
        now += std::chrono::microseconds(1);
        assembler->add_line(line, now, offset += line.size() + 1);
      }
    });
    EXPECT_EQ(n, 0u) << (use_pattern ? "start_pattern" : "java preset");
    EXPECT_GT(bytes, 0u);
  }
}

TEST(ZeroAllocationTest, Parsers) {
  struct Case {
    ParserKind kind;
    std::string regex;
    std::vector<std::string> lines;
  };
  const std::vector<Case> cases = {
      {ParserKind::kJson,
       "",
       {R"({"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"ok \"q\" \u00e9","http":{"status":200,"path":"/a"},"tags":["x"],"d":1.5,"b":true,"n":null,"a":1,"a":2})",
        R"({"ts":"2024-05-01T12:00:01.456Z","level":"warn","msg":"slow","http":{"status":503,"path":"/bb"},"tags":[],"d":2.5,"b":false,"n":null,"a":3})"}},
      {ParserKind::kLogfmt,
       "",
       {R"(ts=2024-05-01T12:00:00Z level=info msg="user \"bob\" logged in" n=3 ok)",
        R"(ts=2024-05-01T12:00:01Z level=error msg="caf\u00e9 closed" n=4 ok=false)"}},
      {ParserKind::kRegex,
       R"(^(?<ts>\S+) (?<level>\w+) (?<msg>.*)$)",
       {"2024-05-01T12:00:00Z INFO started", "2024-05-01T12:00:01Z WARN slower start"}},
  };
  for (const Case& c : cases) {
    ParserConfig config;
    config.kind = c.kind;
    config.regex = c.regex;
    config.timestamp_field = "ts";
    config.severity_field = "level";
    config.message_field = "msg";
    auto parser = std::move(*make_line_parser(config));
    ParsedLine out;
    int parsed = 0;
    const std::size_t n = allocations_in_steady_state(1000, [&](int i) {
      parsed += parser->parse(c.lines[static_cast<std::size_t>(i) % c.lines.size()], out) ? 1 : 0;
    });
    EXPECT_EQ(n, 0u) << "parser kind " << static_cast<int>(c.kind);
    EXPECT_EQ(parsed, 1001) << "parser kind " << static_cast<int>(c.kind);
    EXPECT_TRUE(out.time_unix_nano.has_value());
    EXPECT_NE(out.severity_number, 0);
  }
}

}  // namespace
}  // namespace vigil::collectors::tail
