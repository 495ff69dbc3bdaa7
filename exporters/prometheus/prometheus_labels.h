#pragma once

// Assembling one series' label set from attributes, resource-derived labels and external
// labels: sanitised names, collisions resolved, empty values dropped, sorted by name.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/prometheus/prometheus_translation.h"

namespace opentelemetry::proto::common::v1 {
class AnyValue;
}

namespace vigil::exporters::prometheus {

// An attribute value as label text (the OpenTelemetry collector's AsString): strings as they
// are, booleans "true"/"false", integers in decimal, doubles as their shortest text, bytes in
// base64, arrays and maps as JSON. Appended to `out`.
void append_attribute_text(const opentelemetry::proto::common::v1::AnyValue& value,
                           std::string& out);

// Which label wins when two have the same (sanitised) name.
enum class LabelPriority : std::uint8_t {
  kExternal = 0,   // external_labels: only where the series has no such label
  kAttribute = 1,  // point attributes: equal names are joined with ";" by original key
  kTranslator = 2  // job, instance, otel_scope_*: set by the translation itself
};

// Reused from point to point: the strings keep their capacity.
class LabelBuilder {
 public:
  void clear() { used_ = 0; }
  // Adds a label whose name is already valid.
  void add(std::string_view name, std::string_view value, LabelPriority priority);
  // Adds an attribute: its label name is the key sanitised (prometheus_names.h); the original
  // key orders the values of colliding keys. Keys are kept as views: they must outlive finish().
  void add_attribute(std::string_view key, std::string_view value);
  // The same with the value's text written straight into the label (append_attribute_text).
  void add_attribute(std::string_view key, const opentelemetry::proto::common::v1::AnyValue& value);
  // Adds an attribute under a name chosen by the caller (node_exporter's renames).
  void add_renamed(std::string_view name, std::string_view value, std::string_view order);
  // Removes every label of that name (reserved ones like "le" before with()).
  void remove(std::string_view name);

  // Resolves collisions, drops empty values and sorts. Views stay valid until the next
  // clear()/add*/finish().
  std::span<const LabelView> finish();
  // The finished labels plus `name`=`value` in its sorted place (replacing one of that name).
  std::span<const LabelView> with(std::string_view name, std::string_view value);

  // A key that identifies the finished label set (for delta state), appended to `out`.
  void append_identity(std::string& out) const;

 private:
  struct Entry {
    std::string name;
    std::string value;
    std::string_view order;  // the attribute's original key
    LabelPriority priority = LabelPriority::kAttribute;
  };
  Entry& next();

  std::vector<Entry> entries_;
  std::size_t used_ = 0;
  std::vector<std::size_t> sorted_;
  std::vector<LabelView> finished_;
  std::vector<LabelView> extended_;
};

}  // namespace vigil::exporters::prometheus
