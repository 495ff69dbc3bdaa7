#include "collectors/tail/ack_tracker.h"

namespace vigil::collectors::tail {

void AckTracker::reference(const std::vector<FileMark>& marks, int delta) {
  for (const FileMark& mark : marks) {
    if (delta > 0) {
      ++references_[mark.file_id];
    } else if (auto it = references_.find(mark.file_id); it != references_.end()) {
      if (--it->second == 0) references_.erase(it);
    }
  }
}

std::uint64_t AckTracker::add(std::vector<FileMark> marks) {
  reference(marks, +1);
  batches_.push_back(Entry{std::move(marks)});
  return first_seq_ + batches_.size() - 1;
}

std::vector<FileMark> AckTracker::cancel_last() {
  if (batches_.empty()) return {};
  std::vector<FileMark> marks = std::move(batches_.back().marks);
  reference(marks, -1);
  batches_.pop_back();
  return marks;
}

void AckTracker::settle(std::uint64_t seq, bool safe) {
  if (seq < first_seq_ || seq - first_seq_ >= batches_.size()) return;  // unknown or done
  Entry& entry = batches_[seq - first_seq_];
  if (entry.settled) return;
  entry.settled = true;
  entry.safe = safe;
  while (!batches_.empty() && batches_.front().settled) {
    Entry front = std::move(batches_.front());
    batches_.pop_front();
    ++first_seq_;
    reference(front.marks, -1);
    if (!front.safe) stalled_ = true;
    if (stalled_) continue;
    for (const FileMark& mark : front.marks) on_commit_(mark);
  }
}

}  // namespace vigil::collectors::tail
