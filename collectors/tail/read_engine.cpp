#include "collectors/tail/read_engine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "collectors/tail/utf8.h"

namespace vigil::collectors::tail {

ReadEngine::ReadEngine(std::shared_ptr<const TailConfig> config, std::string resource,
                       std::string scope)
    : config_(std::move(config)),
      builder_(std::move(resource), std::move(scope),
               static_cast<std::size_t>(config_->batch_max_bytes)),
      buffer_size_(config_->effective_read_buffer()) {
  buffer_ = std::make_unique_for_overwrite<char[]>(buffer_size_);
  if (!config_->parser.is_noop()) {
    // The config was validated when it was read: this cannot fail for it.
    if (auto parser = make_line_parser(config_->parser)) parser_ = std::move(*parser);
  }
}

ReadEngine::~ReadEngine() = default;

JobResult ReadEngine::run(std::vector<ReadTask>& tasks, const ReadTime& now, std::size_t budget) {
  JobResult result;
  result.reports.resize(tasks.size());
  now_ = now;
  stats_ = ReadStats{};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    result.reports[i].file_id = tasks[i].cursor->id;
    if (budget == 0) continue;  // kNotVisited
    visit(tasks[i], result.reports[i], budget);
  }
  task_ = nullptr;
  result.batches = std::move(sealed_);
  sealed_.clear();
  result.stats = stats_;
  result.open_records = builder_.records();
  result.open_marks = !marks_.empty();
  return result;
}

std::optional<SealedBatch> ReadEngine::seal_open() {
  if (builder_.empty() && marks_.empty()) return std::nullopt;
  SealedBatch batch;
  batch.records = builder_.records();
  if (!builder_.empty()) batch.payload = builder_.seal();
  batch.marks = std::move(marks_);
  marks_.clear();
  return batch;
}

bool ReadEngine::open_cursor(ReadTask& task, ReadReport& report) {
  FileCursor& c = *task.cursor;
  using Status = ReadReport::Status;
  struct stat st {};
  if (::stat(task.path.c_str(), &st) != 0) {
    report.status = errno == ENOENT ? Status::kGone : Status::kError;
    report.error = fmt::format("stat {}: {}", task.path, std::strerror(errno));
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_dev) != c.identity.dev ||
      static_cast<std::uint64_t>(st.st_ino) != c.identity.ino) {
    report.status = Status::kReplaced;
    return false;
  }
  if (!task.may_open) {
    // No descriptor to spare (max_open_files): a stat tells whether it must wait its turn.
    const bool fingerprinted =
        c.fingerprint.length >= std::min<std::uint64_t>(config_->fingerprint_size, c.read_offset);
    const bool unchanged = static_cast<std::uint64_t>(st.st_size) == c.read_offset &&
                           fingerprinted && !task.finishing && !task.multiline_due;
    report.status = unchanged ? Status::kUnchanged : Status::kNotVisited;
    return false;
  }
  const int fd = ::open(task.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    report.status = errno == ENOENT ? Status::kGone : Status::kError;
    report.error = fmt::format("open {}: {}", task.path, std::strerror(errno));
    return false;
  }
  UniqueFd owned(fd);
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != c.identity.dev ||
      static_cast<std::uint64_t>(st.st_ino) != c.identity.ino) {
    report.status = Status::kReplaced;  // replaced between the stat and the open
    return false;
  }
  c.fd = std::move(owned);
  report.opened = true;
  return true;
}

void ReadEngine::restart_from_zero(FileCursor& c, ReadReport& report) {
  if (c.known_size > c.read_offset) stats_.unread_bytes += c.known_size - c.read_offset;
  // Lines already read belong to the old content: emit what multiline holds, then start over.
  if (c.multiline && c.multiline->pending()) c.multiline->flush();
  c.multiline.reset();
  c.read_offset = 0;
  c.committed_offset = 0;
  c.committed_skipping = false;
  c.skipping = false;
  c.fingerprint = Fingerprint{};
  c.known_size = 0;
  ++stats_.truncations;
  report.truncated = true;
  note(c);
}

void ReadEngine::visit(ReadTask& task, ReadReport& report, std::size_t& budget) {
  using Status = ReadReport::Status;
  FileCursor& c = *task.cursor;
  task_ = &task;
  if (!c.fd.valid() && !open_cursor(task, report)) return;
  struct stat st {};
  if (::fstat(c.fd.get(), &st) != 0) {
    report.status = Status::kError;
    report.error = fmt::format("fstat {}: {}", task.path, std::strerror(errno));
    return;
  }
  report.deleted = st.st_nlink == 0;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  // copytruncate / truncate: the size fell below the offset, or (truncated and written again
  // past it before this look) the first bytes are no longer what was read.
  if (size < c.read_offset || (c.read_offset > 0 && c.fingerprint.length > 0 &&
                               !fingerprint_matches(c.fd.get(), c.fingerprint))) {
    restart_from_zero(c, report);
  }
  // Started past the beginning (start_at = "end"): fingerprint the bytes skipped.
  if (c.fingerprint.length < config_->fingerprint_size && c.fingerprint.length < c.read_offset) {
    const auto length = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(config_->fingerprint_size, std::min(size, c.read_offset)));
    if (auto fp = read_fingerprint(c.fd.get(), length)) c.fingerprint = *fp;
  }
  c.known_size = std::max(c.known_size, size);
  if (task.multiline_due && c.multiline) c.multiline->flush_due(now_.monotonic);

  bool eof = false;
  while (budget > 0) {
    const ssize_t n =
        ::pread(c.fd.get(), buffer_.get(), buffer_size_, static_cast<off_t>(c.read_offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      report.status = Status::kError;
      report.error = fmt::format("read {}: {}", task.path, std::strerror(errno));
      return;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    const std::string_view chunk(buffer_.get(), static_cast<std::size_t>(n));
    c.fingerprint.update(c.read_offset, chunk, config_->fingerprint_size);
    // A short read is the end of the file as it is now.
    const bool short_read = static_cast<std::size_t>(n) < buffer_size_;
    const std::size_t consumed = process_chunk(c, chunk, task.finishing && short_read);
    c.read_offset += consumed;
    c.known_size = std::max(c.known_size, c.read_offset);
    report.bytes += consumed;
    stats_.bytes += consumed;
    budget -= std::min(budget, static_cast<std::size_t>(n));
    if (short_read) {
      eof = true;
      break;
    }
  }
  if (eof && task.finishing && c.multiline) c.multiline->flush();
  if (c.multiline) report.multiline_deadline = c.multiline->next_deadline();
  note(c);
  report.status = eof ? Status::kEof : Status::kMore;
}

std::size_t ReadEngine::process_chunk(FileCursor& c, std::string_view data, bool file_complete) {
  const std::size_t max = static_cast<std::size_t>(config_->max_line_size);
  const std::uint64_t base = c.read_offset;
  const std::size_t n = data.size();
  std::size_t pos = 0;
  auto advance_committed = [&](std::uint64_t offset, bool skipping) {
    if (c.multiline && c.multiline->pending()) return;  // the held event decides
    c.committed_offset = offset;
    c.committed_skipping = skipping;
    note(c);
  };
  if (c.skipping) {
    const void* nl = std::memchr(data.data(), '\n', n);
    if (nl == nullptr) {
      stats_.long_line_bytes += n;
      advance_committed(base + n, true);
      return n;
    }
    const auto at = static_cast<std::size_t>(static_cast<const char*>(nl) - data.data());
    stats_.long_line_bytes += at;
    c.skipping = false;
    pos = at + 1;
    advance_committed(base + pos, false);
  }
  while (pos < n) {
    const char* start = data.data() + pos;
    const void* nl = std::memchr(start, '\n', n - pos);
    if (nl != nullptr) {
      const auto length = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
      emit_line(c, std::string_view(start, length), base + pos, base + pos + length + 1);
      pos += length + 1;
      continue;
    }
    const std::size_t rest = n - pos;
    if (rest >= max) {
      // No newline within max_line_size bytes: the line cannot be held whole.
      const std::string_view piece = data.substr(pos);
      const std::size_t cut = utf8_cut_point(piece, max);
      if (config_->long_lines == LongLines::kSplit) {
        ++stats_.split_lines;
        emit_unit(c, piece.substr(0, cut), base + pos + cut);
        pos += cut;
        continue;
      }
      ++stats_.truncated_lines;
      stats_.long_line_bytes += rest - cut;
      c.skipping = true;  // the rest of the line, up to its newline, is discarded
      emit_unit(c, piece.substr(0, cut), base + n);
      pos = n;
      break;
    }
    if (file_complete) {
      emit_line(c, data.substr(pos), base + pos, base + n);
      pos = n;
    }
    break;  // a partial line: read again with what follows it
  }
  return pos;
}

void ReadEngine::emit_line(FileCursor& c, std::string_view line, std::uint64_t start,
                           std::uint64_t end) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const std::size_t max = static_cast<std::size_t>(config_->max_line_size);
  if (line.size() <= max) {
    emit_unit(c, line, end);
    return;
  }
  if (config_->long_lines == LongLines::kSplit) {
    std::uint64_t piece_end = start;
    while (line.size() > max) {
      const std::size_t cut = utf8_cut_point(line, max);
      ++stats_.split_lines;
      piece_end += cut;
      emit_unit(c, line.substr(0, cut), piece_end);
      line.remove_prefix(cut);
    }
    emit_unit(c, line, end);
    return;
  }
  const std::size_t cut = utf8_cut_point(line, max);
  ++stats_.truncated_lines;
  stats_.long_line_bytes += line.size() - cut;
  emit_unit(c, line.substr(0, cut), end);
}

void ReadEngine::ensure_multiline(FileCursor& c) {
  if (c.multiline || !config_->multiline.enabled()) return;
  auto assembler = MultilineAssembler::create(
      config_->multiline,
      [this, cursor = &c](const MultilineEvent& event) { emit_event(*cursor, event); });
  if (assembler) c.multiline = std::move(*assembler);
}

void ReadEngine::emit_unit(FileCursor& c, std::string_view text, std::uint64_t end) {
  ++stats_.lines;
  ensure_multiline(c);
  if (c.multiline) {
    c.multiline->add_line(text, now_.monotonic, end);
    if (c.multiline->pending()) return;
  } else {
    encode(text);
  }
  c.committed_offset = end;
  c.committed_skipping = c.skipping;
  note(c);
  maybe_seal();
}

void ReadEngine::emit_event(FileCursor& c, const MultilineEvent& event) {
  if (event.cut == MultilineCut::kMaxLines) ++stats_.multiline_cut_lines;
  if (event.cut == MultilineCut::kMaxBytes) ++stats_.multiline_cut_bytes;
  encode(event.text);
  c.committed_offset = event.end_offset;
  c.committed_skipping = false;
  note(c);
  maybe_seal();
}

void ReadEngine::encode(std::string_view text) {
  RecordFields fields;
  fields.body = text;
  fields.observed_unix_nanos = now_.unix_nanos;
  fields.prebuilt_attributes = *task_->labels;
  if (parser_) {
    if (parser_->parse(text, parsed_)) {
      fields.parsed_fields = parsed_.fields;
      if (parsed_.body) {
        if (parsed_.body->type == FieldType::kString) {
          fields.body = parsed_.body->text;
        } else {
          fields.typed_body = &*parsed_.body;
        }
      }
      fields.time_unix_nanos = parsed_.time_unix_nano;
      fields.severity_number = parsed_.severity_number;
      fields.severity_text = parsed_.severity_text;
      if (parsed_.timestamp_invalid) ++stats_.timestamp_errors;
    } else {
      ++stats_.parse_errors;
    }
  }
  if (builder_.add(fields) > 0) ++stats_.invalid_utf8;
  ++stats_.records;
}

void ReadEngine::note(FileCursor& c) {
  if (c.noted_offset == c.committed_offset && c.noted_skipping == c.committed_skipping) return;
  c.noted_offset = c.committed_offset;
  c.noted_skipping = c.committed_skipping;
  FileMark mark{c.id, c.committed_offset, c.fingerprint, c.committed_skipping};
  if (!marks_.empty() && marks_.back().file_id == c.id) {
    marks_.back() = mark;
  } else {
    marks_.push_back(mark);
  }
}

void ReadEngine::maybe_seal() {
  if (builder_.records() < config_->batch_max_records &&
      builder_.size() < config_->batch_max_bytes) {
    return;
  }
  SealedBatch batch;
  batch.records = builder_.records();
  batch.payload = builder_.seal();
  batch.marks = std::move(marks_);
  marks_.clear();
  sealed_.push_back(std::move(batch));
}

}  // namespace vigil::collectors::tail
