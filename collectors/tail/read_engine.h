#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/clock.h"
#include "collectors/tail/file_cursor.h"
#include "collectors/tail/line_parser.h"
#include "collectors/tail/log_batch_builder.h"
#include "collectors/tail/tail_config.h"

namespace vigil::collectors::tail {

// One file to visit in a read job.
struct ReadTask {
  std::shared_ptr<FileCursor> cursor;
  // Encoded attributes of its records: log.file.name, log.file.path, the configured ones.
  std::shared_ptr<const std::string> labels;
  std::string path;  // to open the file when the cursor is closed
  bool may_open = true;
  // The file is done (rotated and rotate_wait over, or deleted): a last line without newline
  // is emitted and a pending multiline event flushed at its end.
  bool finishing = false;
  bool multiline_due = false;  // run the multiline flush timer
};

struct ReadReport {
  enum class Status : std::uint8_t {
    kNotVisited,  // budget exhausted, or closed and not allowed to open
    kEof,         // read to the current end
    kMore,        // stopped by the budget with data left
    kUnchanged,   // closed and nothing new: not opened
    kGone,        // closed and its path no longer exists
    kReplaced,    // its path holds another file now, or the inode was reused
    kError,       // open, stat or read failed (`error`)
  };
  std::uint64_t file_id = 0;
  Status status = Status::kNotVisited;
  bool opened = false;
  bool deleted = false;    // no links left (read to the end, then close)
  bool truncated = false;  // size fell below the offset, or the first bytes changed
  std::uint64_t bytes = 0;
  std::optional<core::MonoTime> multiline_deadline;
  std::string error;
};

// What a job counted, applied to the self-metrics on the loop.
struct ReadStats {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  std::uint64_t invalid_utf8 = 0;         // records with ill-formed UTF-8 replaced
  std::uint64_t split_lines = 0;          // lines longer than max_line_size, split
  std::uint64_t truncated_lines = 0;      // lines longer than max_line_size, cut
  std::uint64_t long_line_bytes = 0;      // bytes discarded by cutting
  std::uint64_t unread_bytes = 0;         // bytes truncated away before they were read
  std::uint64_t truncations = 0;          // copytruncate / truncate detected
  std::uint64_t parse_errors = 0;         // parser did not match: raw line kept
  std::uint64_t timestamp_errors = 0;     // timestamp field did not fit its format
  std::uint64_t multiline_cut_lines = 0;  // events ended by multiline.max_lines
  std::uint64_t multiline_cut_bytes = 0;  // events ended by multiline.max_bytes
};

struct SealedBatch {
  std::string payload;  // ExportLogsServiceRequest
  std::uint64_t records = 0;
  std::vector<FileMark> marks;  // positions reached, in order
};

struct JobResult {
  std::vector<ReadReport> reports;  // one per task, same order
  std::vector<SealedBatch> batches;
  ReadStats stats;
  std::size_t open_records = 0;  // in the batch still being built
  bool open_marks = false;       // the open batch has marks (a flush must seal it)
};

struct ReadTime {
  std::int64_t unix_nanos = 0;  // observed time of the records
  core::MonoTime monotonic{};   // multiline timers
};

// Turns file bytes into LogRecords: reads in large chunks, splits lines, strips "\n" and
// "\r\n", applies max_line_size, multiline assembly and the parser, and writes each record
// straight into the batch being built, sealing batches at batch_max_records/batch_max_bytes.
// Runs on libuv's thread pool; one job at a time, touching only its tasks' cursors and itself.
class ReadEngine {
 public:
  ReadEngine(std::shared_ptr<const TailConfig> config, std::string resource, std::string scope);
  ~ReadEngine();
  ReadEngine(const ReadEngine&) = delete;
  ReadEngine& operator=(const ReadEngine&) = delete;

  // Visits the tasks in order until `budget` bytes were read.
  JobResult run(std::vector<ReadTask>& tasks, const ReadTime& now, std::size_t budget);

  // Seals the batch being built (flush interval, stop). Records may be zero (marks only).
  std::optional<SealedBatch> seal_open();
  std::size_t open_records() const { return builder_.records(); }

 private:
  void visit(ReadTask& task, ReadReport& report, std::size_t& budget);
  bool open_cursor(ReadTask& task, ReadReport& report);
  void restart_from_zero(FileCursor& cursor, ReadReport& report);
  std::size_t process_chunk(FileCursor& cursor, std::string_view data, bool file_complete);
  void emit_line(FileCursor& cursor, std::string_view line, std::uint64_t start, std::uint64_t end);
  void emit_unit(FileCursor& cursor, std::string_view text, std::uint64_t end);
  void emit_event(FileCursor& cursor, const MultilineEvent& event);
  void encode(std::string_view text);
  void note(FileCursor& cursor);
  void maybe_seal();
  void ensure_multiline(FileCursor& cursor);

  std::shared_ptr<const TailConfig> config_;
  LogBatchBuilder builder_;
  std::vector<FileMark> marks_;  // of the open batch
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_size_ = 0;
  std::unique_ptr<LineParser> parser_;  // null when parsing is a no-op
  ParsedLine parsed_;
  // Per job.
  std::vector<SealedBatch> sealed_;
  ReadStats stats_;
  ReadTime now_;
  const ReadTask* task_ = nullptr;  // the task being visited (labels of its records)
};

}  // namespace vigil::collectors::tail
