#include "exporters/cloudwatch/counter_state.h"

#include <algorithm>
#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include "agent/app/json_writer.h"
#include "agent/core/json_document.h"

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

using Value = rapidjson::Value;

// Builds a rapidjson::Document with numbers read exactly by std::from_chars: RapidJSON 1.1.0's
// own full-precision conversion misreads zeros written with many digits ("0e-30"), and its
// normal one may be a few units in the last place off (the state would not round-trip).
struct ExactNumbers {
  rapidjson::Document& document;

  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const char* const end = text + length;
    if (std::none_of(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; })) {
      std::int64_t i = 0;
      if (auto [p, ec] = std::from_chars(text, end, i); ec == std::errc() && p == end) {
        return document.Int64(i);
      }
      std::uint64_t u = 0;
      if (auto [p, ec] = std::from_chars(text, end, u); ec == std::errc() && p == end) {
        return document.Uint64(u);
      }
    }
    double d = 0;
    const auto [p, ec] = std::from_chars(text, end, d);
    return ec == std::errc() && p == end && document.Double(d);
  }
  // With kParseNumbersAsStringsFlag numbers only come as RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool Null() { return document.Null(); }
  bool Bool(bool b) { return document.Bool(b); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return document.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return document.Key(s, n, copy); }
  bool StartObject() { return document.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return document.EndObject(n); }
  bool StartArray() { return document.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return document.EndArray(n); }
};

// One JSON document (strings' UTF-8 validated, nesting kept on the heap), nothing but
// whitespace after it. nullptr, or what is wrong.
const char* parse_json(std::string_view json, rapidjson::Document& document) {
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::MemoryStream in(json.data(), json.size());
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& handler) {
    ExactNumbers exact{handler};
    result = reader.Parse<kFlags>(in, exact);
    return !result.IsError();
  };
  document.Populate(generate);
  if (result.IsError()) {
    return result.Code() == rapidjson::kParseErrorTermination
               ? "a number out of range"
               : rapidjson::GetParseError_En(result.Code());
  }
  if (!core::only_json_whitespace_from(json, in.Tell())) {
    return rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular);
  }
  return nullptr;
}

bool read_string(const Value& object, const char* key, std::string_view& out) {
  const Value* value = core::json_member(object, key, &Value::IsString);
  if (value == nullptr) return false;
  out = std::string_view(value->GetString(), value->GetStringLength());
  return true;
}

bool read_double(const Value& object, const char* key, double& out) {
  const Value* value = core::json_member(object, key, &Value::IsNumber);
  if (value == nullptr) return false;
  out = value->GetDouble();
  return true;
}

bool read_int64(const Value& object, const char* key, std::int64_t& out) {
  const Value* value = core::json_member(object, key, &Value::IsInt64);
  if (value == nullptr) return false;
  out = value->GetInt64();
  return true;
}

core::Result<std::vector<double>> read_numbers(const Value& array) {
  std::vector<double> out;
  if (!array.IsArray()) return core::make_error("expected an array of numbers");
  for (const Value& v : array.GetArray()) {
    if (!v.IsNumber()) return core::make_error("expected a number");
    out.push_back(v.GetDouble());
  }
  return out;
}

core::Result<SeriesPoint> read_point(const Value& o) {
  SeriesPoint p;
  std::string_view start, time, shape;
  if (!read_string(o, "start", start) || !read_string(o, "time", time) ||
      !read_string(o, "shape", shape) || !parse_integer(start, p.start_ns) ||
      !parse_integer(time, p.time_ns) || !parse_integer(shape, p.shape)) {
    return core::make_error("bad start, time or shape");
  }
  std::int64_t offset = 0, negative_offset = 0;
  if (!read_double(o, "value", p.value) || !read_double(o, "count", p.count) ||
      !read_double(o, "zero_count", p.zero_count) || !read_int64(o, "offset", offset) ||
      !read_int64(o, "negative_offset", negative_offset)) {
    return core::make_error("bad value, count, zero_count or offsets");
  }
  p.offset = static_cast<std::int32_t>(offset);
  p.negative_offset = static_cast<std::int32_t>(negative_offset);
  const auto buckets = o.FindMember("buckets");
  const auto negative = o.FindMember("negative_buckets");
  if (buckets == o.MemberEnd() || negative == o.MemberEnd()) {
    return core::make_error("missing buckets");
  }
  auto b = read_numbers(buckets->value);
  auto n = read_numbers(negative->value);
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
  rapidjson::Document document;
  if (const char* error = parse_json(json, document)) {
    return core::make_error(std::string("not JSON: ") + error);
  }
  std::int64_t version = 0;
  if (!read_int64(document, "version", version) || version != kStateVersion) {
    return core::make_error("unknown state version");
  }
  const Value* series = core::json_member(document, "series", &Value::IsArray);
  if (series == nullptr) return core::make_error("no series array");
  const std::int64_t oldest = now_ns - reset_after_.count();
  std::size_t loaded = 0;
  for (const Value& o : series->GetArray()) {
    std::string_view key;
    if (!o.IsObject() || !read_string(o, "key", key)) {
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
