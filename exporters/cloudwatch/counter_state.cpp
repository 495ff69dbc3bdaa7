#include "exporters/cloudwatch/counter_state.h"

#include <algorithm>
#include <charconv>

#include <simdjson.h>

#include "agent/app/json_writer.h"

namespace vigil::exporters::cloudwatch {

namespace {

constexpr int kStateVersion = 1;

// The shape's top byte says what kind of point it is (see series_shape in
// metric_translation.cpp): 0 = a sum, which resets when its value goes down; others are
// distributions, which reset when a count goes down (their sum may fall with negative values).
bool is_sum(const SeriesPoint& p) { return (p.shape >> 56) == 0; }

struct Aligned {
  std::int32_t offset = 0;
  std::vector<double> counts;
};

// Bucket-wise current - previous, where bucket i of each vector has index offset + i. nullopt
// when a bucket's count went down.
std::optional<Aligned> subtract_aligned(std::int32_t cur_offset, const std::vector<double>& cur,
                                        std::int32_t prev_offset, const std::vector<double>& prev) {
  if (prev.empty()) return Aligned{cur_offset, cur};
  if (cur.empty()) {
    if (std::any_of(prev.begin(), prev.end(), [](double c) { return c > 0; })) return std::nullopt;
    return Aligned{cur_offset, {}};
  }
  const std::int64_t lo = std::min<std::int64_t>(cur_offset, prev_offset);
  const std::int64_t hi =
      std::max<std::int64_t>(cur_offset + static_cast<std::int64_t>(cur.size()),
                             prev_offset + static_cast<std::int64_t>(prev.size()));
  auto at = [](std::int32_t offset, const std::vector<double>& v, std::int64_t index) {
    const std::int64_t i = index - offset;
    return i >= 0 && i < static_cast<std::int64_t>(v.size()) ? v[static_cast<std::size_t>(i)] : 0.0;
  };
  Aligned out;
  out.offset = static_cast<std::int32_t>(lo);
  out.counts.reserve(static_cast<std::size_t>(hi - lo));
  for (std::int64_t i = lo; i < hi; ++i) {
    const double d = at(cur_offset, cur, i) - at(prev_offset, prev, i);
    if (d < 0) return std::nullopt;
    out.counts.push_back(d);
  }
  return out;
}

std::string integer_text(std::int64_t v) { return std::to_string(v); }

template <typename T>
bool parse_integer(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

void write_numbers(app::JsonWriter& w, std::string_view key, const std::vector<double>& values) {
  w.key(key).begin_array();
  for (double v : values) w.number(v);
  w.end_array();
}

core::Result<std::vector<double>> read_numbers(simdjson::dom::element array) {
  std::vector<double> out;
  simdjson::dom::array a;
  if (array.get_array().get(a)) return core::make_error("expected an array of numbers");
  for (auto v : a) {
    double d = 0;
    if (v.get_double().get(d)) return core::make_error("expected a number");
    out.push_back(d);
  }
  return out;
}

core::Result<SeriesPoint> read_point(simdjson::dom::object o) {
  SeriesPoint p;
  std::string_view start, time, shape;
  if (o["start"].get_string().get(start) || o["time"].get_string().get(time) ||
      o["shape"].get_string().get(shape) || !parse_integer(start, p.start_ns) ||
      !parse_integer(time, p.time_ns) || !parse_integer(shape, p.shape)) {
    return core::make_error("bad start, time or shape");
  }
  std::int64_t offset = 0, negative_offset = 0;
  if (o["value"].get_double().get(p.value) || o["count"].get_double().get(p.count) ||
      o["zero_count"].get_double().get(p.zero_count) || o["offset"].get_int64().get(offset) ||
      o["negative_offset"].get_int64().get(negative_offset)) {
    return core::make_error("bad value, count, zero_count or offsets");
  }
  p.offset = static_cast<std::int32_t>(offset);
  p.negative_offset = static_cast<std::int32_t>(negative_offset);
  simdjson::dom::element buckets, negative;
  if (o["buckets"].get(buckets) || o["negative_buckets"].get(negative)) {
    return core::make_error("missing buckets");
  }
  auto b = read_numbers(buckets);
  auto n = read_numbers(negative);
  if (!b || !n) return core::make_error("bad buckets");
  p.buckets = std::move(*b);
  p.negative_buckets = std::move(*n);
  return p;
}

}  // namespace

std::optional<SeriesPoint> subtract_points(const SeriesPoint& current,
                                           const SeriesPoint& previous) {
  SeriesPoint d;
  d.start_ns = previous.time_ns;
  d.time_ns = current.time_ns;
  d.shape = current.shape;
  d.value = current.value - previous.value;
  if (is_sum(current)) {
    if (d.value < 0) return std::nullopt;
    return d;
  }
  d.count = current.count - previous.count;
  d.zero_count = current.zero_count - previous.zero_count;
  if (d.count < 0 || d.zero_count < 0) return std::nullopt;
  auto positive =
      subtract_aligned(current.offset, current.buckets, previous.offset, previous.buckets);
  auto negative = subtract_aligned(current.negative_offset, current.negative_buckets,
                                   previous.negative_offset, previous.negative_buckets);
  if (!positive || !negative) return std::nullopt;
  d.offset = positive->offset;
  d.buckets = std::move(positive->counts);
  d.negative_offset = negative->offset;
  d.negative_buckets = std::move(negative->counts);
  return d;
}

DeltaResult CounterState::advance(const std::string& key, SeriesPoint point) {
  DeltaResult result;
  auto it = series_.find(key);
  if (it == series_.end()) {
    series_.emplace(key, Entry{std::move(point), std::nullopt});
    return result;  // kBaseline
  }
  SeriesPoint& previous = it->second.current;
  if (point.time_ns <= previous.time_ns) {
    result.outcome = DeltaOutcome::kDuplicate;
    return result;
  }
  const std::int64_t gap = point.time_ns - previous.time_ns;
  const bool restarted =
      point.start_ns != 0 && previous.start_ns != 0 && point.start_ns != previous.start_ns;
  if (gap > reset_after_.count()) {
    result.outcome = DeltaOutcome::kBaseline;
  } else if (restarted || point.shape != previous.shape) {
    result.outcome = DeltaOutcome::kReset;
  } else if (auto delta = subtract_points(point, previous)) {
    result.outcome = DeltaOutcome::kDelta;
    result.delta = std::move(*delta);
    result.elapsed_seconds = static_cast<double>(gap) / 1e9;
  } else {
    result.outcome = DeltaOutcome::kReset;
  }
  previous = std::move(point);
  return result;
}

void CounterState::commit(std::span<const SeriesUpdate> updates) {
  for (const auto& update : updates) {
    auto it = series_.find(update.key);
    if (it == series_.end()) continue;  // expired meanwhile
    auto& delivered = it->second.delivered;
    if (delivered && delivered->time_ns >= update.point.time_ns) continue;
    delivered = update.point;
    dirty_ = true;
  }
}

std::size_t CounterState::expire(std::int64_t now_ns) {
  const std::int64_t oldest = now_ns - reset_after_.count();
  const std::size_t removed =
      std::erase_if(series_, [&](const auto& kv) { return kv.second.current.time_ns < oldest; });
  if (removed > 0) dirty_ = true;
  return removed;
}

const SeriesPoint* CounterState::current(const std::string& key) const {
  auto it = series_.find(key);
  return it == series_.end() ? nullptr : &it->second.current;
}

const SeriesPoint* CounterState::delivered(const std::string& key) const {
  auto it = series_.find(key);
  return it == series_.end() || !it->second.delivered ? nullptr : &*it->second.delivered;
}

std::string CounterState::serialize() {
  app::JsonWriter w;
  w.begin_object().key("version").number(kStateVersion).key("series").begin_array();
  for (const auto& [key, entry] : series_) {
    if (!entry.delivered) continue;
    const SeriesPoint& p = *entry.delivered;
    // Times and shapes are 64-bit integers, beyond what a JSON number keeps exactly.
    w.begin_object()
        .key("key")
        .string(key)
        .key("start")
        .string(integer_text(p.start_ns))
        .key("time")
        .string(integer_text(p.time_ns))
        .key("shape")
        .string(std::to_string(p.shape))
        .key("value")
        .number(p.value)
        .key("count")
        .number(p.count)
        .key("zero_count")
        .number(p.zero_count)
        .key("offset")
        .number(p.offset)
        .key("negative_offset")
        .number(p.negative_offset);
    write_numbers(w, "buckets", p.buckets);
    write_numbers(w, "negative_buckets", p.negative_buckets);
    w.end_object();
  }
  w.end_array().end_object();
  dirty_ = false;
  return w.take();
}

core::Result<std::size_t> CounterState::load(std::string_view json, std::int64_t now_ns) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) {
    return core::make_error(std::string("not JSON: ") + simdjson::error_message(error));
  }
  std::int64_t version = 0;
  simdjson::dom::array series;
  if (root["version"].get_int64().get(version) || version != kStateVersion) {
    return core::make_error("unknown state version");
  }
  if (root["series"].get_array().get(series)) return core::make_error("no series array");
  const std::int64_t oldest = now_ns - reset_after_.count();
  std::size_t loaded = 0;
  for (auto element : series) {
    simdjson::dom::object o;
    std::string_view key;
    if (element.get_object().get(o) || o["key"].get_string().get(key)) {
      return core::make_error("a series without a key");
    }
    auto point = read_point(o);
    if (!point) return core::make_error("series entry: " + point.error().message);
    if (point->time_ns < oldest) continue;
    series_[std::string(key)] = Entry{*point, *point};
    ++loaded;
  }
  return loaded;
}

}  // namespace vigil::exporters::cloudwatch
