#include "exporters/prometheus/exposition_renderer.h"

#include "exporters/prometheus/exposition_writer.h"

namespace vigil::exporters::prometheus {

namespace {

constexpr std::string_view kTotal = "_total";

// How one family is introduced in the chosen format.
struct FamilyHeader {
  std::string_view name;  // the name on metadata lines
  std::string_view type;
  bool created = false;  // _created samples are written (OpenMetrics counters and histograms)
};

FamilyHeader text_header(const StoredFamily& family) {
  FamilyHeader h{family.name, "untyped", false};
  switch (family.kind) {
    case MetricKind::kGauge:
      h.type = "gauge";
      break;
    case MetricKind::kCounter:
      h.type = "counter";
      break;
    case MetricKind::kHistogram:
      h.type = "histogram";
      break;
    case MetricKind::kSummary:
      h.type = "summary";
      break;
    case MetricKind::kUnknown:
      break;
  }
  return h;
}

FamilyHeader openmetrics_header(const StoredFamily& family) {
  FamilyHeader h = text_header(family);
  switch (family.kind) {
    case MetricKind::kCounter: {
      const std::string_view name = family.name;
      if (name.ends_with(kTotal) && name.size() > kTotal.size()) {
        h.name = name.substr(0, name.size() - kTotal.size());
        h.created = true;
      } else {
        h.type = "unknown";
      }
      break;
    }
    case MetricKind::kHistogram:
    case MetricKind::kSummary:
      h.created = true;
      break;
    case MetricKind::kUnknown:
      h.type = "unknown";
      break;
    case MetricKind::kGauge:
      break;
  }
  return h;
}

void write_text_header(const StoredFamily& family, const FamilyHeader& h, std::string& out) {
  if (!family.help.empty()) {
    out.append("# HELP ").append(h.name).push_back(' ');
    append_escaped_help_text(family.help, out);
    out.push_back('\n');
  }
  out.append("# TYPE ").append(h.name).push_back(' ');
  out.append(h.type).push_back('\n');
}

void write_openmetrics_header(const StoredFamily& family, const FamilyHeader& h, std::string& out) {
  out.append("# TYPE ").append(h.name).push_back(' ');
  out.append(h.type).push_back('\n');
  // OpenMetrics requires the family name to end in _<unit>; Prometheus rejects a UNIT line
  // that does not. Families named otherwise simply carry no UNIT.
  const std::string_view unit = family.unit;
  if (!unit.empty() && h.name.size() > unit.size() + 1 && h.name.ends_with(unit) &&
      h.name[h.name.size() - unit.size() - 1] == '_') {
    out.append("# UNIT ").append(h.name).push_back(' ');
    out.append(unit).push_back('\n');
  }
  if (!family.help.empty()) {
    out.append("# HELP ").append(h.name).push_back(' ');
    append_escaped(family.help, out);
    out.push_back('\n');
  }
}

void write_timestamp(std::int64_t millis, bool openmetrics, std::string& out) {
  out.push_back(' ');
  if (openmetrics) {
    append_seconds(millis, out);
  } else {
    append_integer(millis, out);
  }
}

// The OpenMetrics `_created` sample of one counter series or histogram/summary point.
void write_created(const FamilyHeader& h, std::string_view group_labels, std::int64_t start_ms,
                   std::int64_t timestamp_ms, const RenderOptions& options, std::string& out) {
  if (start_ms <= 0) return;
  out.append(h.name).append("_created").append(group_labels).push_back(' ');
  append_seconds(start_ms, out);
  if (options.timestamps) write_timestamp(timestamp_ms, true, out);
  out.push_back('\n');
}

}  // namespace

std::size_t render_exposition(const SeriesStore& store, core::MonoTime now,
                              const RenderOptions& options, std::string& out) {
  out.clear();
  const bool openmetrics = is_openmetrics(options.format);
  std::size_t samples = 0;
  for (const auto& [name, family] : store.families()) {
    const FamilyHeader h = openmetrics ? openmetrics_header(family) : text_header(family);
    bool introduced = false;
    // The point whose _created is still to be written (OpenMetrics only).
    const StoredSeries* open_point = nullptr;
    for (const StoredSeries* series : family.series) {
      if (!store.fresh(*series, now)) continue;
      if (!introduced) {
        if (openmetrics) {
          write_openmetrics_header(family, h, out);
        } else {
          write_text_header(family, h, out);
        }
        introduced = true;
      }
      if (h.created) {
        if (open_point != nullptr && open_point->group() != series->group()) {
          write_created(h, open_point->group(), open_point->start_timestamp_ms,
                        open_point->timestamp_ms, options, out);
        }
        open_point = series;
      }
      out.append(series->sample_name).append(series->labels_text).push_back(' ');
      append_value(series->value, out);
      if (options.timestamps) write_timestamp(series->timestamp_ms, openmetrics, out);
      out.push_back('\n');
      ++samples;
    }
    if (open_point != nullptr) {
      write_created(h, open_point->group(), open_point->start_timestamp_ms,
                    open_point->timestamp_ms, options, out);
    }
  }
  if (openmetrics) out.append("# EOF\n");
  return samples;
}

}  // namespace vigil::exporters::prometheus
