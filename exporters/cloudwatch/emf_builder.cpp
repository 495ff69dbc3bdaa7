#include "exporters/cloudwatch/emf_builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "agent/otlp/json_text.h"

namespace vigil::exporters::cloudwatch {

namespace {

// One metric member of an event: its name, unit, resolution and value(s).
struct EmfMetric {
  std::string name;
  std::string_view unit;
  int storage_resolution = 60;
  std::vector<double> values;  // one = a number; more = an array
};

// The metrics one datum becomes.
void emf_metrics(const MetricDatum& d, std::vector<EmfMetric>& out) {
  auto one = [&](std::string name, std::string_view unit, double v) {
    out.push_back({std::move(name), unit, d.storage_resolution, {v}});
  };
  StatisticSet s = d.statistics;
  switch (d.kind) {
    case MetricDatum::Kind::kValue:
      one(d.name, d.unit, d.value);
      return;
    case MetricDatum::Kind::kValues: {
      double total = 0;
      bool integral = true;
      for (double c : d.counts) {
        total += c;
        integral = integral && c == std::floor(c) && c >= 0;
      }
      if (integral && total <= static_cast<double>(kMaxEmfValues)) {
        EmfMetric m{d.name, d.unit, d.storage_resolution, {}};
        for (std::size_t i = 0; i < d.values.size(); ++i) {
          m.values.insert(m.values.end(), static_cast<std::size_t>(d.counts[i]), d.values[i]);
        }
        if (!m.values.empty()) out.push_back(std::move(m));
        return;
      }
      s = {total, 0, d.values.empty() ? 0 : d.values.front(), 0};
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        s.sum += d.values[i] * d.counts[i];
        s.minimum = std::min(s.minimum, d.values[i]);
        s.maximum = std::max(s.maximum, d.values[i]);
      }
      break;
    }
    case MetricDatum::Kind::kStatistics:
      break;
  }
  one(d.name + ".count", "Count", s.sample_count);
  one(d.name + ".sum", d.unit, s.sum);
  one(d.name + ".min", d.unit, s.minimum);
  one(d.name + ".max", d.unit, s.maximum);
}

std::string event_json(std::string_view namespace_name, std::int64_t timestamp_ms,
                       const std::vector<Dimension>& dimensions,
                       std::span<const EmfMetric> metrics) {
  std::string out = "{\"_aws\":{\"Timestamp\":";
  otlp::append_json_int(timestamp_ms, out);
  out += ",\"CloudWatchMetrics\":[{\"Namespace\":";
  otlp::append_json_string(namespace_name, out);
  out += ",\"Dimensions\":[[";
  for (std::size_t i = 0; i < dimensions.size(); ++i) {
    if (i > 0) out.push_back(',');
    otlp::append_json_string(dimensions[i].name, out);
  }
  out += "]],\"Metrics\":[";
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"Name\":";
    otlp::append_json_string(metrics[i].name, out);
    out += ",\"Unit\":";
    otlp::append_json_string(metrics[i].unit, out);
    out += ",\"StorageResolution\":";
    out += metrics[i].storage_resolution == 1 ? "1" : "60";
    out.push_back('}');
  }
  out += "]}]}";
  for (const auto& d : dimensions) {
    out.push_back(',');
    otlp::append_json_string(d.name, out);
    out.push_back(':');
    otlp::append_json_string(d.value, out);
  }
  for (const auto& m : metrics) {
    out.push_back(',');
    otlp::append_json_string(m.name, out);
    out.push_back(':');
    if (m.values.size() == 1) {
      otlp::append_json_double(m.values.front(), out);
      continue;
    }
    out.push_back('[');
    for (std::size_t i = 0; i < m.values.size(); ++i) {
      if (i > 0) out.push_back(',');
      otlp::append_json_double(m.values[i], out);
    }
    out.push_back(']');
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::vector<LogEvent> build_emf_events(std::string_view namespace_name,
                                       std::span<const MetricDatum> datums) {
  // Group by (timestamp, dimensions); std::map keeps the events in timestamp order.
  using Key = std::pair<std::int64_t, std::vector<std::pair<std::string, std::string>>>;
  std::map<Key, std::pair<const std::vector<Dimension>*, std::vector<EmfMetric>>> groups;
  for (const auto& d : datums) {
    Key key{d.timestamp_ms, {}};
    for (const auto& dim : d.dimensions) key.second.emplace_back(dim.name, dim.value);
    auto& group = groups[key];
    group.first = &d.dimensions;
    emf_metrics(d, group.second);
  }
  std::vector<LogEvent> events;
  for (auto& [key, group] : groups) {
    const auto& dimensions = *group.first;
    auto& metrics = group.second;
    // A member name may appear once per event, metric or dimension alike: a metric named like
    // a dimension is renamed NAME.value; a repeated name, or the 101st metric, goes into a
    // further event.
    std::set<std::string> dimension_names;
    for (const auto& dim : dimensions) dimension_names.insert(dim.name);
    for (auto& m : metrics) {
      if (dimension_names.contains(m.name)) m.name += ".value";
    }
    while (!metrics.empty()) {
      std::set<std::string> names;
      std::vector<EmfMetric> chunk;
      std::vector<EmfMetric> rest;
      for (auto& m : metrics) {
        if (chunk.size() < kMaxEmfMetricsPerDirective && names.insert(m.name).second) {
          chunk.push_back(std::move(m));
        } else {
          rest.push_back(std::move(m));
        }
      }
      events.push_back({key.first, event_json(namespace_name, key.first, dimensions, chunk)});
      metrics = std::move(rest);
    }
  }
  return events;
}

}  // namespace vigil::exporters::cloudwatch
