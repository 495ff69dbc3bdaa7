#include "collectors/tail/multiline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collectors/tail/multiline_rules.h"

namespace vigil::collectors::tail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Recorded {
  std::string text;
  std::size_t lines = 0;
  core::MonoTime first_observed{};
  std::uint64_t end_offset = 0;
  MultilineCut cut = MultilineCut::kNone;
};

// Feeds lines as a file would: offsets advance by each line plus its newline, time by 1 ms.
class MultilineTest : public ::testing::Test {
 protected:
  void make(const MultilineConfig& config) {
    auto created = MultilineAssembler::create(config, [this](const MultilineEvent& event) {
      events_.push_back({std::string(event.text), event.lines, event.first_observed,
                         event.end_offset, event.cut});
    });
    ASSERT_TRUE(created.has_value()) << created.error();
    assembler_ = std::move(*created);
  }
  void make_preset(MultilinePreset preset) {
    MultilineConfig config;
    config.preset = preset;
    make(config);
  }
  void feed(std::string_view line) {
    offset_ += line.size() + 1;
    now_ += milliseconds(1);
    assembler_->add_line(line, now_, offset_);
  }
  void feed_all(const std::vector<std::string>& lines) {
    for (const auto& line : lines) feed(line);
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.text);
    return out;
  }
  static std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) out += '\n';
      out += lines[i];
    }
    return out;
  }

  std::unique_ptr<MultilineAssembler> assembler_;
  std::vector<Recorded> events_;
  std::uint64_t offset_ = 0;
  core::MonoTime now_{seconds(100)};
};

TEST_F(MultilineTest, StartPatternBeginsEventsAndJoinsOtherLines) {
  MultilineConfig config;
  config.start_pattern = R"(^\d{4}-\d{2}-\d{2} )";
  make(config);
  feed_all({"2024-05-01 first", "  detail 1", "detail 2", "2024-05-01 second", "tail"});
  ASSERT_THAT(texts(), ElementsAre("2024-05-01 first\n  detail 1\ndetail 2"));
  EXPECT_EQ(events_[0].lines, 3u);
  EXPECT_EQ(events_[0].cut, MultilineCut::kNone);
  // The event ends with "detail 2": its offset is the position after that line.
  EXPECT_EQ(events_[0].end_offset, std::string("2024-05-01 first\n  detail 1\ndetail 2\n").size());
  EXPECT_EQ(events_[0].first_observed, core::MonoTime(seconds(100) + milliseconds(1)));
  EXPECT_TRUE(assembler_->pending());
  assembler_->flush();
  EXPECT_THAT(texts(),
              ElementsAre("2024-05-01 first\n  detail 1\ndetail 2", "2024-05-01 second\ntail"));
  EXPECT_EQ(events_[1].end_offset, offset_);
  EXPECT_FALSE(assembler_->pending());
  EXPECT_EQ(assembler_->emitted_offset(), offset_);
}

TEST_F(MultilineTest, LinesBeforeTheFirstStartLineFormAnEventOfTheirOwn) {
  MultilineConfig config;
  config.start_pattern = "^START";
  make(config);
  feed_all({"orphan 1", "orphan 2", "START a", "START b"});
  EXPECT_THAT(texts(), ElementsAre("orphan 1\norphan 2", "START a"));
}

TEST_F(MultilineTest, ContinuePatternJoinsMatchingLines) {
  MultilineConfig config;
  config.continue_pattern = R"(^\s)";
  make(config);
  feed_all({"a", " b", "\tc", "d", "e", " f"});
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("a\n b\n\tc", "d", "e\n f"));
  EXPECT_EQ(events_[0].lines, 3u);
  EXPECT_EQ(events_[1].lines, 1u);
}

TEST_F(MultilineTest, AContinuationWithNothingOpenBeginsAnEvent) {
  MultilineConfig config;
  config.continue_pattern = R"(^\s)";
  make(config);
  feed_all({"  indented first", "  more"});
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("  indented first\n  more"));
}

TEST_F(MultilineTest, JavaPresetJoinsARealStackTrace) {
  make_preset(MultilinePreset::kJava);
  const std::vector<std::string> trace = {
      "2024-05-01 12:00:00.123 ERROR [main] c.e.OrderService - order 42 failed",
      "java.lang.IllegalStateException: could not reserve stock",
      "\tat com.example.OrderService.reserve(OrderService.java:88)",
      "\tat com.example.OrderService.place(OrderService.java:41)",
      "\tSuppressed: java.io.IOException: close failed",
      "\t\tat com.example.Db.close(Db.java:12)",
      "\t\t... 3 more",
      "Caused by: java.sql.SQLTransientConnectionException: pool exhausted",
      "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181) "
      "~[HikariCP-4.0.3.jar:na]",
      "\t... 12 common frames omitted",
      "Caused by: com.example.Outer$InnerError",
      "\t... 5 more"};
  feed_all(trace);
  feed("2024-05-01 12:00:01.000 INFO  [main] c.e.OrderService - next order");
  feed("2024-05-01 12:00:02.000 INFO  [main] c.e.OrderService - and another");
  ASSERT_THAT(texts(), ElementsAre(join(trace),
                                   "2024-05-01 12:00:01.000 INFO  [main] c.e.OrderService - "
                                   "next order"));
  EXPECT_EQ(events_[0].lines, trace.size());
}

TEST_F(MultilineTest, JavaLineTests) {
  EXPECT_TRUE(is_java_continuation("    at java.base/java.lang.Thread.run(Thread.java:833)"));
  EXPECT_TRUE(is_java_continuation("Caused by: java.lang.NullPointerException"));
  EXPECT_TRUE(is_java_continuation("\t... 7 more"));
  EXPECT_TRUE(is_java_continuation("java.lang.RuntimeException"));
  EXPECT_TRUE(is_java_continuation("org.acme.BadThingError: with: colons"));
  EXPECT_FALSE(is_java_continuation("at the start of a sentence"));  // not indented
  EXPECT_FALSE(is_java_continuation("RuntimeException: unqualified"));
  EXPECT_FALSE(is_java_continuation("java.lang.String is not an exception"));
  EXPECT_FALSE(is_java_continuation("\t... more to come"));
  EXPECT_FALSE(is_java_continuation(""));
}

TEST_F(MultilineTest, PythonPresetJoinsTheLoggedMessageAndItsTraceback) {
  make_preset(MultilinePreset::kPython);
  const std::vector<std::string> event = {"2024-05-01 12:00:00,123 ERROR app: payment failed",
                                          "Traceback (most recent call last):",
                                          "  File \"/srv/app/pay.py\", line 10, in charge",
                                          "    result = gateway.charge(card, amount)",
                                          "  File \"/srv/app/gateway.py\", line 55, in charge",
                                          "    raise GatewayError(f\"declined: {code}\")",
                                          "app.gateway.GatewayError: declined: 51"};
  feed("2024-05-01 12:00:00,000 INFO app: starting");
  feed_all(event);
  feed("2024-05-01 12:00:01,000 INFO app: next");
  feed("2024-05-01 12:00:02,000 INFO app: after");
  EXPECT_THAT(texts(), ElementsAre("2024-05-01 12:00:00,000 INFO app: starting", join(event),
                                   "2024-05-01 12:00:01,000 INFO app: next"));
}

TEST_F(MultilineTest, PythonPresetFollowsChainedExceptionsAcrossBlankLines) {
  make_preset(MultilinePreset::kPython);
  const std::vector<std::string> event = {
      "Traceback (most recent call last):",
      "  File \"x.py\", line 2, in <module>",
      "    int('a')",
      "ValueError: invalid literal for int() with base 10: 'a'",
      "",
      "During handling of the above exception, another exception occurred:",
      "",
      "Traceback (most recent call last):",
      "  File \"x.py\", line 4, in <module>",
      "    raise RuntimeError('wrapped') from None",
      "RuntimeError: wrapped",
      "",
      "The above exception was the direct cause of the following exception:",
      "",
      "Traceback (most recent call last):",
      "  File \"x.py\", line 6, in <module>",
      "KeyError: 'k'"};
  feed_all(event);
  feed("");  // a blank line that continues nothing
  feed("next line");
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre(join(event), "", "next line"));
  EXPECT_EQ(events_[0].end_offset, join(event).size() + 1);
  EXPECT_EQ(events_[1].end_offset, join(event).size() + 2);
}

TEST_F(MultilineTest, PythonTracebackCutShortEndsAtTheNextLogLine) {
  make_preset(MultilinePreset::kPython);
  feed_all({"ERROR x", "Traceback (most recent call last):", "  File \"a.py\", line 1",
            "2024-05-01 12:00:01,000 INFO app: next", "2024-05-01 12:00:02,000 INFO app: more"});
  EXPECT_THAT(texts(), ElementsAre("ERROR x\nTraceback (most recent call last):\n  File \"a.py\", "
                                   "line 1",
                                   "2024-05-01 12:00:01,000 INFO app: next"));
}

TEST_F(MultilineTest, PythonExceptionLineTest) {
  EXPECT_TRUE(is_python_exception_line("ValueError: invalid literal"));
  EXPECT_TRUE(is_python_exception_line("app.gateway.GatewayError: declined: 51"));
  EXPECT_TRUE(is_python_exception_line("KeyboardInterrupt"));
  EXPECT_TRUE(is_python_exception_line("KeyError: 'k'"));
  EXPECT_FALSE(is_python_exception_line("2024-05-01 12:00:01,000 INFO app: next"));
  EXPECT_FALSE(is_python_exception_line("INFO app: next"));
  EXPECT_FALSE(is_python_exception_line(": x"));
  EXPECT_FALSE(is_python_exception_line("1Error: x"));
  EXPECT_FALSE(is_python_exception_line(""));
}

TEST_F(MultilineTest, PythonPresetReadsExceptionGroups) {
  make_preset(MultilinePreset::kPython);
  const std::vector<std::string> event = {"  + Exception Group Traceback (most recent call last):",
                                          "  |   File \"<stdin>\", line 1, in <module>",
                                          "  | ExceptionGroup: many (2 sub-exceptions)",
                                          "  +-+---------------- 1 ----------------",
                                          "    | ValueError: 1",
                                          "    +---------------- 2 ----------------",
                                          "    | TypeError: 2",
                                          "    +------------------------------------"};
  feed_all(event);
  feed("INFO recovered");
  EXPECT_THAT(texts(), ElementsAre(join(event)));
}

TEST_F(MultilineTest, PythonBareTracebackAfterAnotherBeginsANewEvent) {
  make_preset(MultilinePreset::kPython);
  feed_all({"Traceback (most recent call last):", "  File \"a.py\", line 1", "ValueError: a",
            "Traceback (most recent call last):", "  File \"b.py\", line 1", "KeyError: b"});
  assembler_->flush();
  EXPECT_THAT(
      texts(),
      ElementsAre("Traceback (most recent call last):\n  File \"a.py\", line 1\nValueError: a",
                  "Traceback (most recent call last):\n  File \"b.py\", line 1\nKeyError: b"));
}

TEST_F(MultilineTest, GoPresetKeepsAWholePanicDumpTogether) {
  make_preset(MultilinePreset::kGo);
  const std::vector<std::string> panic = {
      "panic: runtime error: invalid memory address or nil pointer dereference",
      "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x47d0a3]",
      "",
      "goroutine 1 [running]:",
      "main.(*Server).handle(0x0, {0x4c3f60, 0xc000012345})",
      "\t/src/app/server.go:42 +0x23",
      "main.main()",
      "\t/src/app/main.go:12 +0x65",
      "",
      "goroutine 18 [chan receive, 2 minutes]:",
      "main.worker(0xc00001e0c0)",
      "\t/src/app/worker.go:20 +0x4d",
      "created by main.main in goroutine 1",
      "\t/src/app/main.go:10 +0x45"};
  feed("2024/05/01 12:00:00 serving on :8080");
  feed_all(panic);
  feed("");
  feed("2024/05/01 12:00:05 restarted");
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("2024/05/01 12:00:00 serving on :8080", join(panic), "",
                                   "2024/05/01 12:00:05 restarted"));
  EXPECT_EQ(events_[1].lines, panic.size());
}

TEST_F(MultilineTest, GoPresetFatalErrorDeadlock) {
  make_preset(MultilinePreset::kGo);
  const std::vector<std::string> dump = {"fatal error: all goroutines are asleep - deadlock!", "",
                                         "goroutine 1 [chan receive]:", "main.main()",
                                         "\t/tmp/x.go:5 +0x2d"};
  feed_all(dump);
  feed("panic: second");
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre(join(dump), "panic: second"));
}

TEST_F(MultilineTest, GoroutineHeaderTest) {
  EXPECT_TRUE(is_go_goroutine_header("goroutine 1 [running]:"));
  EXPECT_TRUE(is_go_goroutine_header("goroutine 123 [select, 5 minutes]:"));
  EXPECT_FALSE(is_go_goroutine_header("goroutine x [running]:"));
  EXPECT_FALSE(is_go_goroutine_header("goroutine 1 running"));
  EXPECT_FALSE(is_go_goroutine_header("the goroutine 1 [running]:"));
  EXPECT_TRUE(is_go_stack_line("main.(*Server).handle(0x0, {0x4c3f60, 0xc000012345})"));
  EXPECT_TRUE(is_go_stack_line("\t/src/app/main.go:12 +0x65"));
  EXPECT_TRUE(is_go_stack_line("created by main.main in goroutine 1"));
  EXPECT_FALSE(is_go_stack_line("2024/05/01 12:00:05 restarted (pid 7)"));
  EXPECT_FALSE(is_go_stack_line("panic: second"));
}

TEST_F(MultilineTest, MaxLinesCutsTheEventAndTheRestBeginsTheNext) {
  MultilineConfig config;
  config.continue_pattern = "^ ";
  config.max_lines = 3;
  make(config);
  feed_all({"a", " 1", " 2", " 3", " 4", "b"});
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("a\n 1\n 2", " 3\n 4", "b"));
  EXPECT_EQ(events_[0].cut, MultilineCut::kMaxLines);
  EXPECT_EQ(events_[1].cut, MultilineCut::kNone);
  EXPECT_EQ(events_[2].cut, MultilineCut::kNone);
}

TEST_F(MultilineTest, MaxBytesCutsBeforeTheLineThatWouldExceedIt) {
  MultilineConfig config;
  config.continue_pattern = "^ ";
  config.max_bytes = 10;
  make(config);
  feed_all({"abcd", " efg", " h", " ij"});  // "abcd\n efg" is 9 bytes; + "\n h" would be 12
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("abcd\n efg", " h\n ij"));
  EXPECT_EQ(events_[0].cut, MultilineCut::kMaxBytes);
  for (const auto& e : events_) EXPECT_LE(e.text.size(), 10u);
}

TEST_F(MultilineTest, ALineLongerThanMaxBytesIsSplitAtUtf8Boundaries) {
  MultilineConfig config;
  config.continue_pattern = "^ ";
  config.max_bytes = 5;
  make(config);
  feed("ok");
  const std::string line =
      "abc\xE2\x82\xAC"
      "de";  // "abc€de": 8 bytes, € is 3
  feed(line);
  assembler_->flush();
  // 5 bytes would end inside the euro sign: the first piece stops before it.
  ASSERT_THAT(texts(), ElementsAre("ok", "abc",
                                   "\xE2\x82\xAC"
                                   "de"));
  EXPECT_EQ(events_[1].cut, MultilineCut::kMaxBytes);
  EXPECT_EQ(events_[2].cut, MultilineCut::kMaxBytes);
  // Only the last piece completes the line; the first reports the offset already emitted.
  EXPECT_EQ(events_[1].end_offset, 3u);
  EXPECT_EQ(events_[2].end_offset, offset_);
}

TEST_F(MultilineTest, SplitPiecesNeverEndInsideAUtf8Sequence) {
  MultilineConfig config;
  config.start_pattern = "^x";
  config.max_bytes = 4;
  make(config);
  const std::string line =
      "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
      "a\xE2\x82\xAC";  // 😀😀a€
  feed(line);
  assembler_->flush();
  std::string joined;
  for (const auto& e : events_) {
    EXPECT_LE(e.text.size(), 4u);
    ASSERT_FALSE(e.text.empty());
    EXPECT_NE(static_cast<unsigned char>(e.text[0]) & 0xC0, 0x80) << "piece starts mid-sequence";
    joined += e.text;
  }
  EXPECT_EQ(joined, line);
}

TEST_F(MultilineTest, FlushTimeoutEmitsWhenNoLineArrivesInTime) {
  MultilineConfig config;
  config.start_pattern = "^S";
  config.flush_timeout = seconds(2);
  make(config);
  EXPECT_EQ(assembler_->next_deadline(), std::nullopt);
  feed("S one");
  feed(" more");
  const core::MonoTime last = now_;
  ASSERT_EQ(assembler_->next_deadline(), last + seconds(2));
  assembler_->flush_due(last + seconds(2) - milliseconds(1));
  EXPECT_THAT(events_, IsEmpty());
  // A new line moves the deadline.
  now_ += seconds(1);
  assembler_->add_line(" late", now_, offset_ += 6);
  EXPECT_EQ(assembler_->next_deadline(), now_ + seconds(2));
  assembler_->flush_due(last + seconds(2));
  EXPECT_THAT(events_, IsEmpty());
  assembler_->flush_due(now_ + seconds(2));
  EXPECT_THAT(texts(), ElementsAre("S one\n more\n late"));
  EXPECT_EQ(assembler_->next_deadline(), std::nullopt);
}

TEST_F(MultilineTest, FlushTimeoutAlsoReleasesAHeldBlankLine) {
  make_preset(MultilinePreset::kGo);
  feed("panic: boom");
  feed("");
  EXPECT_THAT(events_, IsEmpty());
  assembler_->flush_due(now_ + seconds(1));
  EXPECT_THAT(texts(), ElementsAre("panic: boom", ""));
  // The state machine starts afresh: a goroutine header now begins its own event.
  feed("goroutine 1 [running]:");
  feed("main.main()");
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("panic: boom", "", "goroutine 1 [running]:\nmain.main()"));
}

TEST_F(MultilineTest, FlushAtEofEmitsEverythingPending) {
  make_preset(MultilinePreset::kPython);
  feed_all({"Traceback (most recent call last):", "  File \"a.py\", line 1", "OSError: x", ""});
  EXPECT_TRUE(assembler_->pending());
  assembler_->flush();
  EXPECT_THAT(
      texts(),
      ElementsAre("Traceback (most recent call last):\n  File \"a.py\", line 1\nOSError: x", ""));
  EXPECT_FALSE(assembler_->pending());
  assembler_->flush();  // nothing more
  EXPECT_EQ(events_.size(), 2u);
}

TEST_F(MultilineTest, HeldLineCountsTowardsLimits) {
  MultilineConfig config;
  config.preset = MultilinePreset::kGo;
  config.max_lines = 2;
  make(config);
  feed_all({"panic: x", "", "goroutine 1 [running]:", "main.main()"});
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("panic: x\n", "goroutine 1 [running]:\nmain.main()"));
  EXPECT_EQ(events_[0].cut, MultilineCut::kMaxLines);
}

TEST_F(MultilineTest, AHeldBlankLineLongerThanMaxBytesIsSplitToo) {
  // Found by fuzz_tail_multiline: a whitespace-only line is held whole, then emitted alone.
  MultilineConfig config;
  config.preset = MultilinePreset::kGo;
  config.max_bytes = 8;
  make(config);
  const std::string blank(12, ' ');
  feed_all({"panic: x", blank, "next"});
  assembler_->flush();
  EXPECT_THAT(texts(), ElementsAre("panic: x", std::string(8, ' '), std::string(4, ' '), "next"));
  EXPECT_EQ(events_[1].cut, MultilineCut::kMaxBytes);
  EXPECT_EQ(events_[1].end_offset, 9u);  // nothing after "panic: x\n" is complete yet
  EXPECT_EQ(events_[2].end_offset, 9u + blank.size() + 1);
}

TEST_F(MultilineTest, CreateRejectsAConfigWithoutAMode) {
  auto created = MultilineAssembler::create(MultilineConfig{}, [](const MultilineEvent&) {});
  EXPECT_FALSE(created.has_value());
  MultilineConfig bad;
  bad.start_pattern = "(";
  created = MultilineAssembler::create(bad, [](const MultilineEvent&) {});
  ASSERT_FALSE(created.has_value());
  EXPECT_THAT(created.error(), ::testing::HasSubstr("start_pattern"));
}

}  // namespace
}  // namespace vigil::collectors::tail
