#include "exporters/prometheus/series_store.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

#include "exporters/prometheus/exposition_writer.h"

namespace vigil::exporters::prometheus {

namespace {

void append_key_part(std::string_view part, std::string& key) {
  const auto size = static_cast<std::uint32_t>(part.size());
  char prefix[sizeof size];
  std::memcpy(prefix, &size, sizeof size);
  key.append(prefix, sizeof prefix);
  key.append(part);
}

// The label that tells a histogram's buckets or a summary's quantiles apart; "" otherwise.
std::string_view group_label(MetricKind kind) {
  if (kind == MetricKind::kHistogram) return "le";
  if (kind == MetricKind::kSummary) return "quantile";
  return {};
}

// A bucket bound or quantile as written by the translation ("0.5", "+Inf").
double parse_bound(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = std::numeric_limits<double>::quiet_NaN();
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

bool exposition_order(const StoredSeries* a, const StoredSeries* b) {
  const int by_group = a->group().compare(b->group());
  if (by_group != 0) return by_group < 0;
  if (a->rank != b->rank) return a->rank < b->rank;
  if (a->bound != b->bound) return a->bound < b->bound;
  return a->sample_name < b->sample_name;
}

}  // namespace

SeriesStore::SeriesStore(SeriesStoreOptions options, const core::Clock& clock)
    : options_(options), clock_(clock) {}

void SeriesStore::begin_batch() {
  batch_time_ = clock_.monotonic();
  outcome_ = BatchOutcome{};
  sequence_.clear();
  following_ = nullptr;
  cursor_ = 0;
}

BatchOutcome SeriesStore::finish_batch() {
  if (outcome_.new_series > 0) {
    for (auto& [name, family] : families_) {
      if (!family.needs_sort) continue;
      std::sort(family.series.begin(), family.series.end(), exposition_order);
      family.needs_sort = false;
    }
  }
  // This batch's order replaces the one it followed (or the oldest), for the next batch of
  // the same source. Swapping keeps every vector's capacity: nothing is allocated once grown.
  for (std::size_t i = 0; i < sequence_.size(); ++i) {
    sequence_[i]->position = static_cast<std::uint32_t>(i);
  }
  if (!sequence_.empty()) {
    if (following_ == nullptr) {
      following_ = &orders_[next_order_];
      next_order_ = (next_order_ + 1) % orders_.size();
    }
    following_->swap(sequence_);
  }
  sequence_.clear();
  following_ = nullptr;
  cursor_ = 0;
  return std::exchange(outcome_, BatchOutcome{});
}

void SeriesStore::build_key(std::string_view family, std::string_view sample_name,
                            std::span<const LabelView> labels) {
  key_.clear();
  append_key_part(family, key_);
  append_key_part(sample_name, key_);
  for (const LabelView& label : labels) {
    append_key_part(label.name, key_);
    append_key_part(label.value, key_);
  }
}

void SeriesStore::sample(const FamilyView& family, std::string_view sample_name,
                         std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
                         std::int64_t start_timestamp_ms) {
  build_key(family.name, sample_name, labels);
  StoredSeries* series = find_series();
  if (std::bit_cast<std::uint64_t>(value) == kStaleNaN) {
    // The source says the series ended: stop serving it now, so Prometheus marks it stale at
    // its next scrape rather than after our staleness window.
    if (series != nullptr) {
      remove_series(*series->family, series);
      series_.erase(key_);
      ++outcome_.stale_markers;
    }
    return;
  }
  if (series != nullptr) {
    StoredFamily& stored = *series->family;
    if (stored.kind != family.kind) {
      reject(family, sample_name, Rejection::kTypeConflict);
      return;
    }
    // Descriptions may change between versions of a source; the latest one is served.
    if (stored.help != family.help) stored.help.assign(family.help);
    if (stored.unit != family.unit) stored.unit.assign(family.unit);
    if (timestamp_ms < series->timestamp_ms) return;  // older than what is served
  } else {
    StoredFamily* stored = find_or_add_family(family);
    if (stored == nullptr) {
      reject(family, sample_name, Rejection::kTypeConflict);
      return;
    }
    if (options_.max_series != 0 && series_.size() >= options_.max_series) {
      reject(family, sample_name, Rejection::kSeriesLimit);
      return;
    }
    series = add_series(*stored, sample_name, labels);
  }
  series->value = value;
  series->timestamp_ms = timestamp_ms;
  series->start_timestamp_ms = start_timestamp_ms;
  series->updated = batch_time_;
  ++outcome_.stored_samples;
  sequence_.push_back(series);
}

StoredSeries* SeriesStore::find_series() {
  // Sources send their series in the same order every time: the series after the previous
  // one in that source's last batch is the likely one, and one comparison confirms it.
  if (following_ != nullptr && cursor_ < following_->size()) {
    StoredSeries* guess = (*following_)[cursor_];
    if (*guess->key == key_) {
      ++cursor_;
      return guess;
    }
  }
  auto it = series_.find(std::string_view(key_));
  if (it == series_.end()) return nullptr;
  StoredSeries* series = &it->second;
  if (sequence_.empty()) {
    // The batch's first series tells which earlier batch's order it follows.
    following_ = nullptr;
    for (auto& order : orders_) {
      if (!order.empty() && order.front() == series) following_ = &order;
    }
  }
  // Back in step after a series that was new, gone or out of place.
  if (following_ != nullptr && series->position < following_->size() &&
      (*following_)[series->position] == series) {
    cursor_ = series->position + 1;
  }
  return series;
}

void SeriesStore::forget_orders() {
  for (auto& order : orders_) order.clear();
  following_ = nullptr;
  cursor_ = 0;
}

StoredFamily* SeriesStore::find_or_add_family(const FamilyView& family) {
  auto it = families_.find(family.name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(family.name), StoredFamily{}).first;
    StoredFamily& added = it->second;
    added.name.assign(family.name);
    added.kind = family.kind;
    added.help.assign(family.help);
    added.unit.assign(family.unit);
    return &added;
  }
  if (it->second.kind != family.kind) return nullptr;
  return &it->second;
}

StoredSeries* SeriesStore::add_series(StoredFamily& family, std::string_view sample_name,
                                      std::span<const LabelView> labels) {
  const auto it = series_.try_emplace(key_).first;
  StoredSeries& series = it->second;
  series.key = &it->first;
  series.family = &family;
  series.sample_name.assign(sample_name);
  append_labels(labels, {}, series.labels_text);
  const std::string_view grouping = group_label(family.kind);
  if (!grouping.empty()) {
    series.grouped = true;
    append_labels(labels, grouping, series.group_text);
    series.bound = 0;
    for (const LabelView& label : labels) {
      if (label.name == grouping) series.bound = parse_bound(label.value);
    }
    const std::string_view suffix =
        sample_name.substr(std::min(sample_name.size(), family.name.size()));
    series.rank = suffix == "_sum" ? 1 : suffix == "_count" ? 2 : 0;
  }
  family.series.push_back(&series);
  family.needs_sort = true;
  ++outcome_.new_series;
  return &series;
}

void SeriesStore::remove_series(StoredFamily& family, const StoredSeries* series) {
  std::erase(family.series, series);
  std::erase(sequence_, series);
  forget_orders();  // they may hold it
}

void SeriesStore::reject(const FamilyView& family, std::string_view sample_name, Rejection why) {
  // A histogram or summary point is several samples but one point: count it at its _count.
  const bool multi_sample =
      family.kind == MetricKind::kHistogram || family.kind == MetricKind::kSummary;
  if (multi_sample && !sample_name.ends_with("_count")) return;
  ++outcome_.rejected_points;
  if (why == Rejection::kSeriesLimit) {
    ++outcome_.rejected_series_limit;
    return;
  }
  ++outcome_.rejected_type_conflict;
  if (outcome_.first_conflict.empty()) outcome_.first_conflict.assign(family.name);
}

std::size_t SeriesStore::expire_if_due(core::MonoTime now) {
  if (now < next_sweep_) return 0;
  next_sweep_ = now + sweep_interval();
  return expire(now);
}

core::Duration SeriesStore::sweep_interval() const {
  // A quarter of the window bounds the memory of expired series to ~1.25 windows' worth while
  // sweeping rarely; rendering already hides them exactly at the window.
  return std::clamp<core::Duration>(options_.staleness / 4, std::chrono::milliseconds(100),
                                    std::chrono::minutes(1));
}

std::size_t SeriesStore::expire(core::MonoTime now) {
  auto stale = [&](const StoredSeries& s) { return !fresh(s, now); };
  forget_orders();  // they may hold expired series
  for (auto& [name, family] : families_) {
    std::erase_if(family.series, [&](const StoredSeries* s) { return stale(*s); });
  }
  const std::size_t removed =
      std::erase_if(series_, [&](const auto& entry) { return stale(entry.second); });
  std::erase_if(families_, [](const auto& entry) { return entry.second.series.empty(); });
  return removed;
}

}  // namespace vigil::exporters::prometheus
