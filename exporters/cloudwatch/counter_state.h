#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/clock.h"
#include "agent/core/error.h"

namespace vigil::exporters::cloudwatch {

// The last point of one cumulative series (a monotonic sum, a histogram, an exponential
// histogram or a summary's count and sum), or the difference between two such points.
struct SeriesPoint {
  std::int64_t start_ns = 0;  // 0 = unknown
  std::int64_t time_ns = 0;
  double value = 0;  // a sum's value; a histogram's or summary's sum
  double count = 0;  // histograms and summaries
  // Explicit bounds' hash, or an exponential histogram's scale (+ a tag): a point whose shape
  // differs cannot be subtracted from the last one, so it starts a new baseline.
  std::uint64_t shape = 0;
  std::int32_t offset = 0;           // exponential: index of buckets[0]
  std::int32_t negative_offset = 0;  // exponential: index of negative_buckets[0]
  double zero_count = 0;             // exponential
  std::vector<double> buckets;
  std::vector<double> negative_buckets;
  bool operator==(const SeriesPoint&) const = default;
};

// What one cumulative point became.
enum class DeltaOutcome : std::uint8_t {
  kDelta,      // `delta` holds the increase since the previous point
  kBaseline,   // first point of the series (or first after a gap longer than reset_after): kept
               // as the baseline, nothing to send
  kReset,      // the counter went down, or its start time or shape changed: new baseline
  kDuplicate,  // not newer than the previous point (a repeated or out-of-order point): ignored
};

struct DeltaResult {
  DeltaOutcome outcome = DeltaOutcome::kBaseline;
  SeriesPoint delta;  // start_ns = previous time, time_ns = this time (kDelta only)
  double elapsed_seconds = 0;
};

// A point the conversion advanced to; committed once the batch it came from is settled.
struct SeriesUpdate {
  std::string key;
  SeriesPoint point;
};

// Turns cumulative points into per-interval deltas, per series (keyed by a string that names
// the metric, its resource and its attributes). Never yields a negative or a huge delta: the
// first point of a series is a baseline, and so is the first point after a reset (the value
// went down, or the start time or bucket layout changed) or after a gap longer than
// `reset_after` (an agent stopped for a day would otherwise send one day's increase as one
// interval).
//
// Two views per series: `current`, what the conversion has advanced to, and `delivered`, the
// last point whose batch was settled (delivered, or dropped for good). Only `delivered` is
// persisted: after a restart, a point that was converted but never delivered (its client will
// send it again) is converted again against the delivered one, so no increase is lost.
// Loop thread only.
class CounterState {
 public:
  explicit CounterState(core::Duration reset_after) : reset_after_(reset_after) {}

  // Converts `point` of series `key` and advances the series' current point (except for a
  // kDuplicate). `point` is consumed.
  DeltaResult advance(const std::string& key, SeriesPoint point);

  // Marks these points as settled: each becomes its series' delivered point unless a newer
  // one already is.
  void commit(std::span<const SeriesUpdate> updates);

  // Forgets series whose current point is older than reset_after at `now_ns` (their next point
  // would be a baseline anyway). Returns how many were forgotten.
  std::size_t expire(std::int64_t now_ns);

  // The delivered points as JSON (the state file's content), and whether it changed since the
  // last call to serialize().
  std::string serialize();
  bool dirty() const { return dirty_; }
  // Loads a state file's content: both views start from it. Entries older than reset_after at
  // `now_ns` are skipped. Returns the number of series loaded.
  core::Result<std::size_t> load(std::string_view json, std::int64_t now_ns);

  std::size_t size() const { return series_.size(); }
  const SeriesPoint* current(const std::string& key) const;
  const SeriesPoint* delivered(const std::string& key) const;
  core::Duration reset_after() const { return reset_after_; }

 private:
  struct Entry {
    SeriesPoint current;
    std::optional<SeriesPoint> delivered;
  };

  core::Duration reset_after_;
  std::unordered_map<std::string, Entry> series_;
  bool dirty_ = false;
};

// current - previous, bucket by bucket with exponential buckets aligned by index; nullopt when
// any count went down (a reset). Exposed for tests.
std::optional<SeriesPoint> subtract_points(const SeriesPoint& current, const SeriesPoint& previous);

}  // namespace vigil::exporters::cloudwatch
