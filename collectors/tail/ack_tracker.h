#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <vector>

#include "collectors/tail/file_cursor.h"

namespace vigil::collectors::tail {

// Turns batch acknowledgements, which may settle in any order (several exporters, exporter
// concurrency, drop_oldest), into file positions that advance in read order: a batch's marks
// are committed only once it and every batch offered before it are settled safe. A batch that
// settles unsafe (abandoned at shutdown) stops all further progress for this collector's
// life, so nothing after it can be checkpointed over it: those lines are read again after a
// restart. Loop thread only.
class AckTracker {
 public:
  using CommitCallback = std::function<void(const FileMark&)>;

  explicit AckTracker(CommitCallback on_commit) : on_commit_(std::move(on_commit)) {}

  // Registers the next batch in offer order; returns its sequence number.
  std::uint64_t add(std::vector<FileMark> marks);
  // Takes back the most recent add() (its offer was refused); returns its marks.
  std::vector<FileMark> cancel_last();
  void settle(std::uint64_t seq, bool safe);

  // Batches offered and not yet committed (or skipped after a stop).
  std::size_t pending() const { return batches_.size(); }
  bool stalled() const { return stalled_; }
  // Some batch not yet committed carries a mark of this file.
  bool references(std::uint64_t file_id) const { return references_.contains(file_id); }

 private:
  struct Entry {
    std::vector<FileMark> marks;
    bool settled = false;
    bool safe = false;
  };
  void reference(const std::vector<FileMark>& marks, int delta);

  CommitCallback on_commit_;
  std::deque<Entry> batches_;
  std::uint64_t first_seq_ = 1;  // sequence number of batches_.front()
  bool stalled_ = false;
  std::unordered_map<std::uint64_t, std::uint32_t> references_;
};

}  // namespace vigil::collectors::tail
