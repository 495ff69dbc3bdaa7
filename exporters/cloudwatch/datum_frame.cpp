#include "exporters/cloudwatch/datum_frame.h"

#include <algorithm>

namespace vigil::exporters::cloudwatch {

namespace {

constexpr std::int64_t kNanosPerMs = 1'000'000;
// PutMetricData accepts timestamps up to two weeks old and two hours ahead (PROTOCOLS.md 5.1);
// a minute of margin on the old side keeps a point from expiring on its way.
constexpr std::int64_t kMaxAgeNs = (14LL * 24 * 3600 - 60) * 1'000'000'000LL;
constexpr std::int64_t kMaxAheadNs = 2LL * 3600 * 1'000'000'000LL;

constexpr char kFieldSeparator = '\x1f';
constexpr char kGroupSeparator = '\x1e';

}  // namespace

std::string dimension_value(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxDimensionValueLength));
  bool blank = true;
  for (unsigned char c : text) {
    if (out.size() == kMaxDimensionValueLength) break;
    const bool printable = c >= 0x20 && c < 0x7f;
    out.push_back(printable ? static_cast<char>(c) : '_');
    blank = blank && c == ' ';
  }
  return blank ? std::string() : out;
}

std::string attributes_key(const KeyValues& attributes) {
  std::vector<std::pair<std::string_view, std::string>> pairs;
  pairs.reserve(static_cast<std::size_t>(attributes.size()));
  for (const auto& kv : attributes) pairs.emplace_back(kv.key(), any_value_text(kv.value()));
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    out.append(k).push_back('=');
    out.append(v).push_back(kFieldSeparator);
  }
  return out;
}

FrameBuilder::FrameBuilder(const TranslationOptions& options, TranslationStats& stats,
                           std::int64_t now_ns, const KeyValues& resource)
    : options_(options),
      stats_(stats),
      now_ns_(now_ns),
      resource_(resource),
      resource_key_(attributes_key(resource)) {
  if (const AnyValue* host = find_attribute(resource, "host.name")) host_ = any_value_text(*host);
}

std::optional<PointFrame> FrameBuilder::frame(
    const opentelemetry::proto::metrics::v1::Metric& metric, std::string_view kind,
    const KeyValues& attributes, std::uint64_t time_ns, std::string_view unit,
    const Dimension* extra) const {
  ++stats_.points;
  const auto t = static_cast<std::int64_t>(time_ns);
  if (metric.name().empty()) {
    ++stats_.invalid;
    return std::nullopt;
  }
  if (t < now_ns_ - kMaxAgeNs) {
    ++stats_.too_old;
    return std::nullopt;
  }
  if (t > now_ns_ + kMaxAheadNs) {
    ++stats_.too_new;
    return std::nullopt;
  }
  PointFrame f;
  f.key.reserve(metric.name().size() + resource_key_.size() + 64);
  f.key.append(metric.name()).push_back(kGroupSeparator);
  f.key.append(kind).push_back(kGroupSeparator);
  f.key.append(resource_key_).push_back(kGroupSeparator);
  f.key.append(attributes_key(attributes));
  f.datum.name = metric.name().substr(0, kMaxMetricNameLength);
  f.datum.timestamp_ms = t / kNanosPerMs;
  f.datum.unit = unit;
  f.datum.dimensions = dimensions(attributes, extra);
  return f;
}

std::vector<Dimension> FrameBuilder::dimensions(const KeyValues& attributes,
                                                const Dimension* extra) const {
  std::vector<Dimension> dims;
  bool cut = false;
  auto add = [&](std::string_view name, std::string_view text) {
    std::string value = dimension_value(text);
    if (value.empty()) return;
    if (std::any_of(dims.begin(), dims.end(), [&](const auto& d) { return d.name == name; })) {
      return;
    }
    if (dims.size() == kMaxDimensions) {
      cut = true;
      return;
    }
    dims.push_back({std::string(name), std::move(value)});
  };
  if (extra != nullptr) add(extra->name, extra->value);
  if (!options_.host_dimension.empty()) add(options_.host_dimension, host_);
  for (const auto& name : options_.dimensions) {
    const AnyValue* v = find_attribute(attributes, name);
    if (v == nullptr) v = find_attribute(resource_, name);
    if (v != nullptr) add(name, any_value_text(*v));
  }
  if (cut) ++stats_.dimensions_cut;
  return dims;
}

}  // namespace vigil::exporters::cloudwatch
