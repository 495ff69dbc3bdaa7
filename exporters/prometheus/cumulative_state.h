#pragma once

// Delta to cumulative: Prometheus only knows cumulative counters and histograms, so the running
// total of every delta series is kept here, keyed by the series' identity (family name and
// labels, built by the caller).
//
// Rules: the first delta of a series starts its total (start time = the delta's start, or its
// time when it has none); a delta at or before the series' last time is out of order and
// dropped; a histogram whose bounds change, or a series not updated for `ttl` (in data time),
// starts over (a counter reset, which rate() and increase() handle). Gaps between deltas (lost
// deltas) are accumulated over: the total stays monotonic, only lower than it should be.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/clock.h"

namespace vigil::exporters::prometheus {

// Exponential-histogram buckets: counts[i] belongs to bucket index offset + i.
struct ExponentialBuckets {
  std::int32_t offset = 0;
  std::vector<std::uint64_t> counts;
};

struct ExponentialHistogramValue {
  std::int32_t scale = 0;
  double zero_threshold = 0;
  std::uint64_t zero_count = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  std::uint64_t count = 0;
  double sum = 0;
  bool has_sum = false;
};

struct HistogramValue {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;  // bounds.size() + 1, not cumulative (OTLP's layout)
  std::uint64_t count = 0;
  double sum = 0;
  bool has_sum = false;
};

// Most buckets a merged exponential histogram keeps; beyond that it is downscaled (as the
// OpenTelemetry SDKs do) so hostile offsets cannot make it allocate without bound.
inline constexpr std::size_t kMaxExponentialBuckets = 4096;

// Lowers an exponential histogram's scale by `by` (merging neighbouring buckets).
void downscale(ExponentialHistogramValue& value, std::int32_t by);

class CumulativeState {
 public:
  enum class Outcome : std::uint8_t {
    kStarted,      // a new series, or one that started over
    kAccumulated,  // added to the running total
    kOutOfOrder,   // dropped: not after the series' last point
    kFull,         // dropped: a new series while max_series are tracked
  };

  CumulativeState(core::Duration ttl, std::size_t max_series);
  ~CumulativeState();
  CumulativeState(const CumulativeState&) = delete;
  CumulativeState& operator=(const CumulativeState&) = delete;

  // On kStarted/kAccumulated, `total` and `start_ns` hold the cumulative value and its start.
  Outcome add_sum(std::string_view key, std::uint64_t start_ns, std::uint64_t time_ns, double delta,
                  double& total, std::uint64_t& start_ns_out);
  // `total` points into the state: valid until the next call.
  Outcome add_histogram(std::string_view key, std::uint64_t start_ns, std::uint64_t time_ns,
                        const HistogramValue& delta, const HistogramValue*& total,
                        std::uint64_t& start_ns_out);
  Outcome add_exponential(std::string_view key, std::uint64_t start_ns, std::uint64_t time_ns,
                          const ExponentialHistogramValue& delta,
                          const ExponentialHistogramValue*& total, std::uint64_t& start_ns_out);

  std::size_t size() const { return series_.size(); }

 private:
  enum class SeriesKind : std::uint8_t { kSum, kHistogram, kExponential };
  struct Series {
    SeriesKind kind = SeriesKind::kSum;
    std::uint64_t start_ns = 0;
    std::uint64_t last_ns = 0;
    double sum = 0;
    HistogramValue histogram;
    ExponentialHistogramValue exponential;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  // The series for `key` (created, or reset when expired); null when out of order or full.
  // A series of another kind under the same key (a metric that changed type) starts over too.
  Series* touch(std::string_view key, SeriesKind kind, std::uint64_t start_ns,
                std::uint64_t time_ns, Outcome& outcome);
  // Starts the series' total over from a delta covering (start_ns, time_ns]: a counter reset.
  static void restart(Series& series, std::uint64_t start_ns, std::uint64_t time_ns,
                      Outcome& outcome);
  void expire(std::uint64_t now_ns);

  std::uint64_t ttl_ns_;
  std::size_t max_series_;
  std::uint64_t newest_ns_ = 0;
  std::uint64_t last_sweep_ns_ = 0;
  std::unordered_map<std::string, Series, KeyHash, KeyEqual> series_;
  // A delta exponential histogram being rescaled to its series' scale: kept, so that its bucket
  // vectors are reused from one point to the next.
  ExponentialHistogramValue delta_scratch_;
};

}  // namespace vigil::exporters::prometheus
