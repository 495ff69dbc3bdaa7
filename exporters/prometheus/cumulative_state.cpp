#include "exporters/prometheus/cumulative_state.h"

#include <algorithm>

namespace vigil::exporters::prometheus {

namespace {

// Index of the bucket that holds bucket `index` after lowering the scale by `by` (floor
// division by 2^by, also for negative indexes).
std::int64_t downscaled_index(std::int64_t index, std::int32_t by) { return index >> by; }

void downscale_buckets(ExponentialBuckets& buckets, std::int32_t by) {
  if (by <= 0 || buckets.counts.empty()) return;
  const std::int64_t first = downscaled_index(buckets.offset, by);
  const std::int64_t last =
      downscaled_index(static_cast<std::int64_t>(buckets.offset) +
                           static_cast<std::int64_t>(buckets.counts.size()) - 1,
                       by);
  std::vector<std::uint64_t> merged(static_cast<std::size_t>(last - first + 1), 0);
  for (std::size_t i = 0; i < buckets.counts.size(); ++i) {
    const std::int64_t index = downscaled_index(buckets.offset + static_cast<std::int64_t>(i), by);
    merged[static_cast<std::size_t>(index - first)] += buckets.counts[i];
  }
  buckets.offset = static_cast<std::int32_t>(first);
  buckets.counts = std::move(merged);
}

// Bucket indexes [first, last] that `a` and `b` span together.
std::pair<std::int64_t, std::int64_t> joint_range(const ExponentialBuckets& a,
                                                  const ExponentialBuckets& b) {
  std::int64_t first = INT64_MAX;
  std::int64_t last = INT64_MIN;
  for (const auto* buckets : {&a, &b}) {
    if (buckets->counts.empty()) continue;
    first = std::min<std::int64_t>(first, buckets->offset);
    last = std::max<std::int64_t>(
        last, buckets->offset + static_cast<std::int64_t>(buckets->counts.size()) - 1);
  }
  return {first, last};
}

std::uint64_t span_of(const std::pair<std::int64_t, std::int64_t>& range) {
  if (range.first > range.second) return 0;
  return static_cast<std::uint64_t>(range.second - range.first) + 1;
}

// total += delta, both at the same scale.
void add_buckets(ExponentialBuckets& total, const ExponentialBuckets& delta) {
  if (delta.counts.empty()) return;
  const auto [first, last] = joint_range(total, delta);
  const auto size = static_cast<std::size_t>(last - first + 1);
  if (total.counts.empty()) {
    total.counts.assign(size, 0);
  } else {
    // Widened in place to [first, last] (zeros before and after): a delta within the total's
    // range, the usual case, changes no allocation.
    const auto before = static_cast<std::size_t>(total.offset - first);
    const std::size_t after = size - before - total.counts.size();
    if (before > 0) total.counts.insert(total.counts.begin(), before, 0);
    if (after > 0) total.counts.insert(total.counts.end(), after, 0);
  }
  total.offset = static_cast<std::int32_t>(first);
  const auto at = static_cast<std::size_t>(delta.offset - first);
  for (std::size_t i = 0; i < delta.counts.size(); ++i) total.counts[at + i] += delta.counts[i];
}

bool fits(const ExponentialHistogramValue& a, const ExponentialHistogramValue& b) {
  return span_of(joint_range(a.positive, b.positive)) <= kMaxExponentialBuckets &&
         span_of(joint_range(a.negative, b.negative)) <= kMaxExponentialBuckets;
}

}  // namespace

void downscale(ExponentialHistogramValue& value, std::int32_t by) {
  if (by <= 0) return;
  downscale_buckets(value.positive, by);
  downscale_buckets(value.negative, by);
  value.scale -= by;
}

CumulativeState::CumulativeState(core::Duration ttl, std::size_t max_series)
    : ttl_ns_(static_cast<std::uint64_t>(std::max<std::int64_t>(ttl.count(), 1))),
      max_series_(max_series) {}

CumulativeState::~CumulativeState() = default;

void CumulativeState::expire(std::uint64_t now_ns) {
  newest_ns_ = std::max(newest_ns_, now_ns);
  // Sweep at most every half TTL of data time: cheap, and nothing lingers past 1.5 TTL.
  if (newest_ns_ < last_sweep_ns_ + ttl_ns_ / 2) return;
  last_sweep_ns_ = newest_ns_;
  if (newest_ns_ <= ttl_ns_) return;
  const std::uint64_t cutoff = newest_ns_ - ttl_ns_;
  std::erase_if(series_, [cutoff](const auto& entry) { return entry.second.last_ns < cutoff; });
}

CumulativeState::Series* CumulativeState::touch(std::string_view key, SeriesKind kind,
                                                std::uint64_t start_ns, std::uint64_t time_ns,
                                                Outcome& outcome) {
  expire(time_ns);
  auto it = series_.find(key);
  if (it != series_.end()) {
    Series& series = it->second;
    const bool expired = time_ns > series.last_ns + ttl_ns_;
    if (series.kind == kind && !expired) {
      if (time_ns <= series.last_ns) {
        outcome = Outcome::kOutOfOrder;
        return nullptr;
      }
      series.last_ns = time_ns;
      outcome = Outcome::kAccumulated;
      return &series;
    }
    series = Series{};
  } else {
    if (series_.size() >= max_series_) {
      outcome = Outcome::kFull;
      return nullptr;
    }
    it = series_.emplace(std::string(key), Series{}).first;
  }
  Series& series = it->second;
  series.kind = kind;
  series.last_ns = time_ns;
  restart(series, start_ns, time_ns, outcome);
  return &series;
}

void CumulativeState::restart(Series& series, std::uint64_t start_ns, std::uint64_t time_ns,
                              Outcome& outcome) {
  series.start_ns = start_ns != 0 && start_ns <= time_ns ? start_ns : time_ns;
  outcome = Outcome::kStarted;
}

CumulativeState::Outcome CumulativeState::add_sum(std::string_view key, std::uint64_t start_ns,
                                                  std::uint64_t time_ns, double delta,
                                                  double& total, std::uint64_t& start_ns_out) {
  Outcome outcome{};
  Series* series = touch(key, SeriesKind::kSum, start_ns, time_ns, outcome);
  if (series == nullptr) return outcome;
  series->sum = outcome == Outcome::kStarted ? delta : series->sum + delta;
  total = series->sum;
  start_ns_out = series->start_ns;
  return outcome;
}

CumulativeState::Outcome CumulativeState::add_histogram(
    std::string_view key, std::uint64_t start_ns, std::uint64_t time_ns,
    const HistogramValue& delta, const HistogramValue*& total, std::uint64_t& start_ns_out) {
  Outcome outcome{};
  Series* series = touch(key, SeriesKind::kHistogram, start_ns, time_ns, outcome);
  if (series == nullptr) return outcome;
  HistogramValue& h = series->histogram;
  if (outcome == Outcome::kAccumulated &&
      (h.bounds != delta.bounds || h.counts.size() != delta.counts.size())) {
    // New bucket layout: the old totals cannot continue; start over from this delta.
    restart(*series, start_ns, time_ns, outcome);
  }
  if (outcome == Outcome::kStarted) {
    h = delta;
  } else {
    for (std::size_t i = 0; i < h.counts.size(); ++i) h.counts[i] += delta.counts[i];
    h.count += delta.count;
    h.sum += delta.sum;
    h.has_sum = h.has_sum && delta.has_sum;
  }
  total = &h;
  start_ns_out = series->start_ns;
  return outcome;
}

CumulativeState::Outcome CumulativeState::add_exponential(std::string_view key,
                                                          std::uint64_t start_ns,
                                                          std::uint64_t time_ns,
                                                          const ExponentialHistogramValue& delta,
                                                          const ExponentialHistogramValue*& total,
                                                          std::uint64_t& start_ns_out) {
  Outcome outcome{};
  Series* series = touch(key, SeriesKind::kExponential, start_ns, time_ns, outcome);
  if (series == nullptr) return outcome;
  ExponentialHistogramValue& h = series->exponential;
  if (outcome == Outcome::kAccumulated && h.zero_threshold != delta.zero_threshold) {
    restart(*series, start_ns, time_ns, outcome);
  }
  if (outcome == Outcome::kStarted) {
    h = delta;
  } else {
    ExponentialHistogramValue& d = delta_scratch_;
    d = delta;  // copy-assignment keeps the vectors' capacity
    const std::int32_t common = std::min(h.scale, d.scale);
    downscale(h, h.scale - common);
    downscale(d, d.scale - common);
    while (!fits(h, d)) {
      downscale(h, 1);
      downscale(d, 1);
    }
    add_buckets(h.positive, d.positive);
    add_buckets(h.negative, d.negative);
    h.zero_count += d.zero_count;
    h.count += d.count;
    h.sum += d.sum;
    h.has_sum = h.has_sum && d.has_sum;
  }
  total = &h;
  start_ns_out = series->start_ns;
  return outcome;
}

}  // namespace vigil::exporters::prometheus
