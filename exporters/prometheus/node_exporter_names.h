#pragma once

// THE table: vigil's host metrics (collectors/host, OpenTelemetry names) to node_exporter 1.5's
// names and labels, so dashboards built on node_exporter work unchanged. Used by the pull
// endpoint and by remote write through prometheus_translation.h. A metric not in the table, or
// a point whose attributes the table has no name for, follows the standard rules.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "exporters/prometheus/prometheus_translation.h"

namespace vigil::exporters::prometheus {

// The OTLP data a row expects; a metric of another shape is not renamed.
enum class HostShape : std::uint8_t {
  kCounter,  // Sum, monotonic
  kUpDown,   // Sum, not monotonic
  kGauge,    // Gauge
};

enum class NameRule : std::uint8_t {
  kFixed,         // `name`
  kByAttribute,   // chosen by the value of `attribute` (`name` when the point lacks it)
  kMeminfoBytes,  // "node_memory_" + F + "_bytes" from the field attribute
  kMeminfoCount,  // "node_memory_" + F
};

struct NameChoice {
  std::string_view value = {};  // of the row's attribute
  std::string_view name = {};
  std::string_view help = {};
};

struct ValueRename {
  std::string_view from = {};
  std::string_view to = {};
};

// An attribute that becomes a node_exporter label under another name (and maybe other values).
struct LabelRename {
  std::string_view attribute = {};
  std::string_view label = {};
  std::span<const ValueRename> values = {};
};

struct NodeExporterRow {
  std::string_view metric = {};  // OTLP name, e.g. "system.cpu.time"
  HostShape shape = HostShape::kCounter;
  MetricKind kind = MetricKind::kCounter;  // node_exporter's TYPE
  NameRule rule = NameRule::kFixed;
  std::string_view name = {};
  std::string_view help = {};
  std::string_view unit = {};       // "seconds", "bytes" or ""
  std::string_view attribute = {};  // the attribute that names the series; it is not a label
  std::span<const NameChoice> choices = {};
  std::span<const LabelRename> labels = {};  // other attributes keep standard label names
};

// Every row, in the order of HOST_METRICS.md (for tests and the README).
std::span<const NodeExporterRow> node_exporter_rows();

// The row of an OTLP metric of that shape, or null.
const NodeExporterRow* find_node_exporter_row(std::string_view metric, HostShape shape);

// The node_exporter family of one point: name written to `name` (cleared first), help through
// `help` (valid as long as `name`/the table). `attribute_value` is the value of the row's
// attribute, or null when the point has none. False when the table has no name for that value:
// the point then follows the standard rules.
bool node_exporter_name(const NodeExporterRow& row, const std::string* attribute_value,
                        std::string& name, std::string& help);

// How an attribute of a point of `row` appears: the label name (the attribute key's standard
// label name when the row does not rename it; empty = not a label) and its value.
struct NodeLabel {
  std::string_view renamed = {};  // empty: use the standard label name
  std::string_view value = {};
  bool skip = false;  // the attribute that chose the name
};
NodeLabel node_exporter_label(const NodeExporterRow& row, std::string_view key,
                              std::string_view value);

}  // namespace vigil::exporters::prometheus
