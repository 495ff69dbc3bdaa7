#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/clock.h"
#include "exporters/prometheus/prometheus_translation.h"

namespace vigil::exporters::prometheus {

struct SeriesStoreOptions {
  // A series whose last sample arrived longer ago than this is no longer served, and is removed
  // at the next sweep.
  core::Duration staleness = std::chrono::minutes(5);
  // New series beyond this many are refused (counted by the batch outcome); 0 = no bound.
  std::size_t max_series = 100'000;
};

struct StoredFamily;

// One series' latest sample, with its exposition text prepared when the series was first seen
// (so serving it again costs no escaping and no allocation).
struct StoredSeries {
  std::string sample_name;  // "node_cpu_seconds_total", "http_duration_seconds_bucket"
  // `{cpu="0",mode="idle"}` with label values escaped, or "" without labels.
  std::string labels_text;
  // The labels without `le` (histograms) or `quantile` (summaries), rendered the same way: the
  // series' group (one histogram or summary point). Empty and unused for other kinds.
  std::string group_text;
  double bound = 0;       // the le / quantile value, for ordering within the group
  std::uint8_t rank = 0;  // 0 buckets, quantiles and plain samples; 1 _sum; 2 _count
  bool grouped = false;   // group_text is meaningful
  double value = 0;
  std::int64_t timestamp_ms = 0;
  std::int64_t start_timestamp_ms = 0;  // 0 when unknown
  core::MonoTime updated{};             // arrival time of the value (staleness)
  StoredFamily* family = nullptr;       // owner (families are map nodes: stable)
  const std::string* key = nullptr;     // its key in the store (map nodes: stable)
  std::uint32_t position = 0;           // index in the last batch that carried it

  std::string_view group() const { return grouped ? group_text : labels_text; }
};

struct StoredFamily {
  std::string name;  // text format 0.0.4 family name (counters include _total)
  MetricKind kind = MetricKind::kUnknown;
  std::string help;
  std::string unit;
  // In exposition order: by group, then rank, then bound (see SeriesStore::finish_batch).
  std::vector<const StoredSeries*> series;
  bool needs_sort = false;
};

// What one batch did to the store.
struct BatchOutcome {
  std::uint64_t stored_samples = 0;
  // OTLP points refused (a point is one sample for gauges and counters, and the samples of one
  // histogram or summary point, counted once by its _count sample).
  std::uint64_t rejected_points = 0;
  std::uint64_t rejected_type_conflict = 0;  // points: family known with another type
  std::uint64_t rejected_series_limit = 0;   // points: max_series reached
  std::uint64_t stale_markers = 0;           // series ended by a staleness marker (removed)
  std::uint64_t new_series = 0;
  std::string first_conflict;  // a family name that conflicted, for the log
};

// The pull endpoint's state (DESIGN.md section 4): the latest sample of every series, grouped
// into families for rendering. It is the sink of the translation. Points that arrive older than
// the one stored are ignored (latest wins by the point's timestamp, so a replayed or reordered
// batch cannot move a series back in time). Staleness counts from arrival (the monotonic clock),
// not from the points' timestamps, so a sender's clock cannot keep a series alive or expire it.
// Loop thread only.
//
// Steady state (the same series again) allocates nothing: a sample is found by a key built in
// a reused buffer and updated in place.
class SeriesStore final : public SampleSink {
 public:
  SeriesStore(SeriesStoreOptions options, const core::Clock& clock);
  SeriesStore(const SeriesStore&) = delete;
  SeriesStore& operator=(const SeriesStore&) = delete;

  // Brackets one batch's samples: begin_batch() reads the clock once (the arrival time of every
  // sample in it); finish_batch() puts new series into exposition order and returns the outcome.
  void begin_batch();
  void sample(const FamilyView& family, std::string_view sample_name,
              std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
              std::int64_t start_timestamp_ms) override;
  BatchOutcome finish_batch();

  // Removes every series whose last sample arrived more than `staleness` before `now`, and
  // families left empty. Returns how many series it removed.
  std::size_t expire(core::MonoTime now);
  // expire() when the last sweep is a quarter of the staleness window (at most a minute) ago:
  // cheap enough to call on every batch and scrape. Returns how many series it removed.
  std::size_t expire_if_due(core::MonoTime now);

  // True when the series is served at `now` (arrived within the staleness window).
  bool fresh(const StoredSeries& series, core::MonoTime now) const {
    return now - series.updated <= options_.staleness;
  }

  // Families by name (byte order), for rendering.
  const std::map<std::string, StoredFamily, std::less<>>& families() const { return families_; }
  std::size_t series_count() const { return series_.size(); }
  const SeriesStoreOptions& options() const { return options_; }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  void build_key(std::string_view family, std::string_view sample_name,
                 std::span<const LabelView> labels);
  // The series whose key is key_, or nullptr.
  StoredSeries* find_series();
  void forget_orders();
  StoredFamily* find_or_add_family(const FamilyView& family);
  StoredSeries* add_series(StoredFamily& family, std::string_view sample_name,
                           std::span<const LabelView> labels);
  void remove_series(StoredFamily& family, const StoredSeries* series);
  enum class Rejection : std::uint8_t { kTypeConflict, kSeriesLimit };
  void reject(const FamilyView& family, std::string_view sample_name, Rejection why);
  core::Duration sweep_interval() const;

  SeriesStoreOptions options_;
  const core::Clock& clock_;
  std::map<std::string, StoredFamily, std::less<>> families_;
  // Keyed by family name, sample name and labels (length-prefixed, so no separator can be
  // forged by a label value). Nodes are stable: families point at them.
  std::unordered_map<std::string, StoredSeries, KeyHash, std::equal_to<>> series_;
  std::string key_;  // reused for every lookup
  // The order of the series in recent batches (one per source, most likely), so that a batch
  // that repeats an earlier one finds each series by one key comparison instead of a hash
  // lookup. Cleared whenever a series is removed.
  std::array<std::vector<StoredSeries*>, 4> orders_;
  std::size_t next_order_ = 0;                       // the slot a new order replaces
  std::vector<StoredSeries*> sequence_;              // this batch's series so far
  std::vector<StoredSeries*>* following_ = nullptr;  // the order this batch repeats
  std::size_t cursor_ = 0;                           // where in it the next series should be
  core::MonoTime batch_time_{};
  core::MonoTime next_sweep_{};
  BatchOutcome outcome_;
};

}  // namespace vigil::exporters::prometheus
