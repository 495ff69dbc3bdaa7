#include "collectors/tail/read_engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "tests/unit/collectors/tail/tail_test_support.h"

namespace vigil::collectors::tail {
namespace {

using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using tail_testing::TempDir;

// Drives a ReadEngine over one real file, as the collector's jobs do.
struct EngineHarness {
  TempDir dir;
  std::string path = dir.file("app.log");
  std::shared_ptr<TailConfig> config = std::make_shared<TailConfig>();
  std::unique_ptr<ReadEngine> engine;
  std::shared_ptr<FileCursor> cursor;
  std::shared_ptr<const std::string> labels = std::make_shared<std::string>();
  std::vector<SealedBatch> batches;
  ReadStats stats;

  void start(std::uint64_t offset = 0) {
    if (!std::filesystem::exists(path)) tail_testing::write_file(path, "");
    engine = std::make_unique<ReadEngine>(config, "", "");
    const auto st = tail_testing::stat_of(path);
    cursor = std::make_shared<FileCursor>(1, FileIdentity{st.dev, st.ino}, offset);
  }

  ReadReport read(bool finishing = false, bool may_open = true) {
    std::vector<ReadTask> tasks{ReadTask{cursor, labels, path, may_open, finishing, false}};
    JobResult result = engine->run(tasks, ReadTime{1000, core::MonoTime{}}, 1u << 30);
    for (auto& b : result.batches) batches.push_back(std::move(b));
    stats.lines += result.stats.lines;
    stats.invalid_utf8 += result.stats.invalid_utf8;
    stats.split_lines += result.stats.split_lines;
    stats.truncated_lines += result.stats.truncated_lines;
    stats.long_line_bytes += result.stats.long_line_bytes;
    stats.truncations += result.stats.truncations;
    stats.unread_bytes += result.stats.unread_bytes;
    return result.reports.at(0);
  }

  // Every record so far (sealing the open batch).
  std::vector<opentelemetry::proto::logs::v1::LogRecord> records() {
    if (auto open = engine->seal_open()) batches.push_back(std::move(*open));
    std::vector<opentelemetry::proto::logs::v1::LogRecord> out;
    for (const auto& b : batches) {
      if (b.records == 0) continue;
      ExportLogsServiceRequest request;
      EXPECT_TRUE(request.ParseFromString(b.payload));
      for (const auto& r : request.resource_logs(0).scope_logs(0).log_records()) out.push_back(r);
    }
    return out;
  }

  // Bodies of every record so far (sealing the open batch).
  std::vector<std::string> bodies() {
    if (auto open = engine->seal_open()) batches.push_back(std::move(*open));
    std::vector<std::string> out;
    for (const auto& b : batches) {
      if (b.records == 0) continue;
      ExportLogsServiceRequest request;
      EXPECT_TRUE(request.ParseFromString(b.payload));
      for (const auto& r : request.resource_logs(0).scope_logs(0).log_records()) {
        out.push_back(r.body().string_value());
      }
    }
    return out;
  }

  std::uint64_t last_mark() const {
    for (auto it = batches.rbegin(); it != batches.rend(); ++it) {
      if (!it->marks.empty()) return it->marks.back().offset;
    }
    return UINT64_MAX;
  }
};

using Bodies = std::vector<std::string>;

TEST(ReadEngine, SplitsLinesAndStripsLineEndings) {
  EngineHarness h;
  tail_testing::write_file(h.path, "one\ntwo\r\n\nthree\r\r\nfour");
  h.start();
  auto report = h.read();
  EXPECT_EQ(report.status, ReadReport::Status::kEof);
  EXPECT_EQ(h.cursor->read_offset, 18u);  // "four" waits for its newline
  EXPECT_EQ(h.bodies(), (Bodies{"one", "two", "", "three\r"}));
  EXPECT_EQ(h.last_mark(), 18u);
  tail_testing::append_file(h.path, " and more\nfive");
  h.read();
  EXPECT_EQ(h.bodies(), (Bodies{"one", "two", "", "three\r", "four and more"}));
  // A file being closed gives up its last line without a newline.
  h.read(/*finishing=*/true);
  EXPECT_EQ(h.bodies().back(), "five");
  EXPECT_EQ(h.cursor->read_offset, tail_testing::stat_of(h.path).size);
}

TEST(ReadEngine, SealsBatchesByRecordCountWithMarks) {
  EngineHarness h;
  h.config->batch_max_records = 2;
  tail_testing::write_file(h.path, "a\nb\nc\nd\ne\n");
  h.start();
  h.read();
  ASSERT_EQ(h.batches.size(), 2u);
  EXPECT_EQ(h.batches[0].records, 2u);
  ASSERT_EQ(h.batches[0].marks.size(), 1u);
  EXPECT_EQ(h.batches[0].marks[0].offset, 4u);  // after "a\nb\n"
  EXPECT_EQ(h.batches[1].marks[0].offset, 8u);
  EXPECT_EQ(h.engine->open_records(), 1u);
  auto open = h.engine->seal_open();
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->marks.back().offset, 10u);
}

TEST(ReadEngine, LongLinesAreSplitAtUtf8Boundaries) {
  EngineHarness h;
  h.config->max_line_size = 16;
  // 30 bytes: 14 x 'a', then U+20AC (3 bytes) straddling byte 16, then 13 x 'b'.
  const std::string line = std::string(14, 'a') + "\xE2\x82\xAC" + std::string(13, 'b');
  tail_testing::write_file(h.path, line + "\nshort\n");
  h.start();
  h.read();
  EXPECT_EQ(h.bodies(),
            (Bodies{std::string(14, 'a'), "\xE2\x82\xAC" + std::string(13, 'b'), "short"}));
  EXPECT_EQ(h.stats.split_lines, 1u);
}

TEST(ReadEngine, LongLinesAreTruncatedAndTheRestSkipped) {
  EngineHarness h;
  h.config->max_line_size = 16;
  h.config->long_lines = LongLines::kTruncate;
  h.config->read_buffer_size = 4096;
  // One line of 10000 bytes: longer than the read buffer, so it is skipped across reads.
  tail_testing::write_file(h.path, std::string(10000, 'x') + "\nnext\n");
  h.start();
  h.read();
  EXPECT_EQ(h.bodies(), (Bodies{std::string(16, 'x'), "next"}));
  EXPECT_EQ(h.stats.truncated_lines, 1u);
  EXPECT_EQ(h.stats.long_line_bytes, 10000u - 16u);
  EXPECT_EQ(h.last_mark(), 10006u);
}

TEST(ReadEngine, TruncationResumesWhenTheRestArrivesLater) {
  EngineHarness h;
  h.config->max_line_size = 16;
  h.config->long_lines = LongLines::kTruncate;
  tail_testing::write_file(h.path, std::string(40, 'y'));  // no newline yet
  h.start();
  h.read();
  EXPECT_TRUE(h.cursor->skipping);
  auto open = h.engine->seal_open();
  ASSERT_TRUE(open.has_value());
  EXPECT_TRUE(open->marks.back().skipping);  // a restart here must skip, not emit a fragment
  h.batches.push_back(std::move(*open));
  tail_testing::append_file(h.path, std::string(10, 'y') + "\nz\n");
  h.read();
  EXPECT_EQ(h.bodies(), (Bodies{std::string(16, 'y'), "z"}));
  EXPECT_FALSE(h.cursor->skipping);
}

TEST(ReadEngine, InvalidUtf8IsReplacedAndCounted) {
  EngineHarness h;
  tail_testing::write_file(h.path, "ok\nbad\xC3(\n\xFF\xFE\n");
  h.start();
  h.read();
  EXPECT_EQ(h.bodies(), (Bodies{"ok", "bad\xEF\xBF\xBD(", "\xEF\xBF\xBD\xEF\xBF\xBD"}));
  EXPECT_EQ(h.stats.invalid_utf8, 2u);
}

TEST(ReadEngine, ShrunkenFileIsReadAgainFromTheStart) {
  EngineHarness h;
  tail_testing::write_file(h.path, "first\nsecond\n");
  h.start();
  h.read();
  tail_testing::write_file(h.path, "new\n");  // truncate (copytruncate) and a new line
  const auto report = h.read();
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(h.stats.truncations, 1u);
  EXPECT_EQ(h.bodies(), (Bodies{"first", "second", "new"}));
  EXPECT_EQ(h.last_mark(), 4u);
}

TEST(ReadEngine, RewrittenPastTheOffsetIsCaughtByTheFingerprint) {
  EngineHarness h;
  tail_testing::write_file(h.path, "aaaa\n");
  h.start();
  h.read();
  // Truncated and written again beyond the old offset before the next look: the size alone
  // cannot tell, the first bytes can.
  tail_testing::write_file(h.path, "bbbb\ncccc\n");
  const auto report = h.read();
  EXPECT_TRUE(report.truncated);
  EXPECT_EQ(h.bodies(), (Bodies{"aaaa", "bbbb", "cccc"}));
}

TEST(ReadEngine, BytesLostToATruncationAreCounted) {
  EngineHarness h;
  tail_testing::write_file(h.path, "a\n");
  h.start();
  h.read();
  // The engine saw the file at 2 bytes; 10 more arrive and vanish before the next read.
  h.cursor->known_size = 12;
  tail_testing::write_file(h.path, "");
  h.read();
  EXPECT_EQ(h.stats.unread_bytes, 10u);
}

TEST(ReadEngine, StartingAtTheEndFingerprintsTheSkippedBytes) {
  EngineHarness h;
  h.config->fingerprint_size = 8;
  tail_testing::write_file(h.path, "0123456789\n");
  h.start(/*offset=*/11);
  h.read();
  EXPECT_EQ(h.cursor->fingerprint, fingerprint_of("01234567"));
  // Noted, so the checkpoint holds the fingerprint with the starting offset.
  auto open = h.engine->seal_open();
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->records, 0u);
  EXPECT_EQ(open->marks.back().offset, 11u);
  EXPECT_EQ(open->marks.back().fingerprint, fingerprint_of("01234567"));
}

TEST(ReadEngine, ClosedFileIsStatedBeforeItIsOpened) {
  EngineHarness h;
  tail_testing::write_file(h.path, "x\n");
  h.start(/*offset=*/2);
  h.cursor->fingerprint = fingerprint_of("x\n");
  // Without a descriptor to spare, a stat tells whether it has something new.
  auto report = h.read(false, /*may_open=*/false);
  EXPECT_EQ(report.status, ReadReport::Status::kUnchanged);
  EXPECT_FALSE(h.cursor->fd.valid());
  tail_testing::append_file(h.path, "y\n");
  EXPECT_EQ(h.read(false, false).status, ReadReport::Status::kNotVisited);
  report = h.read();
  EXPECT_TRUE(report.opened);
  EXPECT_EQ(h.bodies(), (Bodies{"y"}));
  // Another file at the path: reported, not read. It is created while the old one still
  // exists, so it cannot get the old inode number whatever the filesystem reuses.
  h.cursor->fd.reset();
  const std::string next = h.dir.file("next");
  tail_testing::write_file(next, "z\n");
  ASSERT_EQ(::rename(next.c_str(), h.path.c_str()), 0);
  EXPECT_EQ(h.read().status, ReadReport::Status::kReplaced);
  ASSERT_EQ(::unlink(h.path.c_str()), 0);
  EXPECT_EQ(h.read().status, ReadReport::Status::kGone);
}

TEST(ReadEngine, ParsedFieldsTimeAndSeverityGoIntoTheRecord) {
  EngineHarness h;
  h.config->parser.kind = ParserKind::kJson;
  h.config->parser.message_field = "msg";
  h.config->parser.timestamp_field = "ts";
  h.config->parser.severity_field = "level";
  tail_testing::write_file(
      h.path,
      R"({"ts":"2024-05-01T12:00:00Z","level":"error","msg":"disk full","disk":"sda","pct":97})"
      "\nnot json\n");
  h.start();
  h.read();
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  const auto& r = records[0];
  EXPECT_EQ(r.body().string_value(), "disk full");
  EXPECT_EQ(r.time_unix_nano(), 1714564800000000000u);
  EXPECT_EQ(r.severity_number(), 17);
  EXPECT_EQ(r.severity_text(), "error");
  ASSERT_EQ(r.attributes_size(), 2);
  EXPECT_EQ(r.attributes(0).key(), "disk");
  EXPECT_EQ(r.attributes(1).value().int_value(), 97);
  EXPECT_EQ(records[1].body().string_value(), "not json");  // a failure keeps the raw line
  EXPECT_EQ(records[1].attributes_size(), 0);
}

TEST(ReadEngine, MultilineEventsAndTheCheckpointNeverPassesAHeldLine) {
  EngineHarness h;
  h.config->multiline.preset = MultilinePreset::kJava;
  const std::string first = "ERROR boom\n";
  const std::string trace = "java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n";
  const std::string next = "INFO next\n";
  tail_testing::write_file(h.path, first + trace + next);
  h.start();
  h.read();
  // "INFO next" may still be continued: it is held, and the checkpoint stays before it.
  EXPECT_EQ(h.bodies(),
            (Bodies{"ERROR boom\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)"}));
  EXPECT_EQ(h.last_mark(), first.size() + trace.size());
  ASSERT_TRUE(h.cursor->multiline);
  EXPECT_TRUE(h.cursor->multiline->pending());
  // At the file's end for good (deleted or rotated), the held event is emitted.
  h.read(/*finishing=*/true);
  EXPECT_EQ(h.bodies().back(), "INFO next");
  EXPECT_EQ(h.last_mark(), first.size() + trace.size() + next.size());
}

TEST(ReadEngine, MultilineFlushTimeoutEmitsTheHeldEvent) {
  EngineHarness h;
  h.config->multiline.start_pattern = "^\\d";
  h.config->multiline.flush_timeout = std::chrono::seconds(1);
  tail_testing::write_file(h.path, "1 first\n  more\n");
  h.start();
  const auto report = h.read();
  EXPECT_TRUE(h.bodies().empty());
  ASSERT_TRUE(report.multiline_deadline.has_value());
  // The collector's deadline timer runs a job with multiline_due at the deadline.
  std::vector<ReadTask> tasks{ReadTask{h.cursor, h.labels, h.path, true, false, true}};
  h.engine->run(tasks, ReadTime{1, *report.multiline_deadline}, 1u << 20);
  EXPECT_EQ(h.bodies(), (Bodies{"1 first\n  more"}));
}

}  // namespace
}  // namespace vigil::collectors::tail
