#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>

#include "agent/core/batch.h"

namespace vigil::exporters::otlp_exporter {

// How far a batch that was cut into several requests got before an attempt failed.
struct PartsProgress {
  std::size_t next_part = 0;         // parts before it were answered (accepted or refused)
  std::uint64_t rejected_items = 0;  // partial successes' rejected items so far
  std::uint64_t refused_items = 0;   // items of parts refused with a permanent error
  std::string first_problem;         // the first server message about either, for logs
};

// Remembers the progress of batches whose retry is pending, so the retry resumes at the part
// that failed instead of sending the backend what it already took. A batch is recognised by
// its content (signal, size and a hash of the payload): the pump hands the exporter the same
// batch again, but does not say so. Two different batches with identical bytes would share an
// entry; resuming one at the other's part skips only parts whose identical bytes were
// delivered. Bounded: the oldest entries go first (forgetting costs duplicates, never loss).
class ProgressMemory {
 public:
  struct Key {
    core::Signal signal = core::Signal::kLogs;
    std::size_t size = 0;
    std::size_t hash = 0;
    bool operator==(const Key&) const = default;
  };

  explicit ProgressMemory(std::size_t capacity = 256) : capacity_(capacity) {}

  static Key key_of(const core::Batch& batch);

  // Removes and returns what was remembered for `key`.
  std::optional<PartsProgress> take(const Key& key);
  void remember(const Key& key, PartsProgress progress);
  std::size_t size() const { return entries_.size(); }

 private:
  std::size_t capacity_;
  std::list<std::pair<Key, PartsProgress>> entries_;  // oldest first; a few hundred at most
};

}  // namespace vigil::exporters::otlp_exporter
