#include "exporters/prometheus/prometheus_labels.h"

#include <algorithm>
#include <cmath>

#include "agent/otlp/json_text.h"
#include "exporters/prometheus/prometheus_names.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace vigil::exporters::prometheus {

namespace {

namespace common = opentelemetry::proto::common::v1;

void append_any(const common::AnyValue& value, std::string& out, bool json, int depth);

void append_array(const common::ArrayValue& array, std::string& out, int depth) {
  out += '[';
  for (int i = 0; i < array.values_size(); ++i) {
    if (i > 0) out += ',';
    append_any(array.values(i), out, true, depth + 1);
  }
  out += ']';
}

void append_map(const common::KeyValueList& list, std::string& out, int depth) {
  out += '{';
  for (int i = 0; i < list.values_size(); ++i) {
    if (i > 0) out += ',';
    otlp::append_json_string(list.values(i).key(), out);
    out += ':';
    append_any(list.values(i).value(), out, true, depth + 1);
  }
  out += '}';
}

// `json`: inside an array or map, where strings are quoted.
void append_any(const common::AnyValue& value, std::string& out, bool json, int depth) {
  // Protobuf already bounds nesting at 100; this keeps the recursion shallow regardless.
  if (depth > 32) {
    out += json ? "null" : "";
    return;
  }
  switch (value.value_case()) {
    case common::AnyValue::kStringValue:
      if (json) {
        otlp::append_json_string(value.string_value(), out);
      } else {
        out += value.string_value();
      }
      return;
    case common::AnyValue::kBoolValue:
      out += value.bool_value() ? "true" : "false";
      return;
    case common::AnyValue::kIntValue:
      otlp::append_json_int(value.int_value(), out);
      return;
    case common::AnyValue::kDoubleValue:
      if (json) {
        otlp::append_json_double(value.double_value(), out);
      } else {
        append_label_double(value.double_value(), out);
      }
      return;
    case common::AnyValue::kBytesValue: {
      const std::size_t at = out.size();
      otlp::append_json_base64(value.bytes_value(), out);
      if (!json) {  // a label value: without the quotes
        out.erase(at, 1);
        out.pop_back();
      }
      return;
    }
    case common::AnyValue::kArrayValue:
      append_array(value.array_value(), out, depth);
      return;
    case common::AnyValue::kKvlistValue:
      append_map(value.kvlist_value(), out, depth);
      return;
    case common::AnyValue::VALUE_NOT_SET:
      if (json) out += "null";
      return;
  }
}

}  // namespace

void append_attribute_text(const common::AnyValue& value, std::string& out) {
  append_any(value, out, false, 0);
}

LabelBuilder::Entry& LabelBuilder::next() {
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& e = entries_[used_++];
  e.name.clear();
  e.value.clear();
  e.order = {};
  return e;
}

void LabelBuilder::add(std::string_view name, std::string_view value, LabelPriority priority) {
  Entry& e = next();
  e.name.assign(name);
  e.value.assign(value);
  e.priority = priority;
}

void LabelBuilder::add_attribute(std::string_view key, std::string_view value) {
  Entry& e = next();
  append_label_name(key, e.name);
  e.value.assign(value);
  e.order = key;
  e.priority = LabelPriority::kAttribute;
}

void LabelBuilder::add_attribute(std::string_view key, const common::AnyValue& value) {
  Entry& e = next();
  append_label_name(key, e.name);
  append_attribute_text(value, e.value);
  e.order = key;
  e.priority = LabelPriority::kAttribute;
}

void LabelBuilder::add_renamed(std::string_view name, std::string_view value,
                               std::string_view order) {
  Entry& e = next();
  e.name.assign(name);
  e.value.assign(value);
  e.order = order;
  e.priority = LabelPriority::kAttribute;
}

void LabelBuilder::remove(std::string_view name) {
  for (std::size_t i = 0; i < used_; ++i) {
    if (entries_[i].name == name) entries_[i].name.clear();  // empty names are skipped
  }
}

std::span<const LabelView> LabelBuilder::finish() {
  sorted_.clear();
  for (std::size_t i = 0; i < used_; ++i) {
    // An empty value is no label at all (and lets an external label of that name apply).
    if (!entries_[i].name.empty() && !entries_[i].value.empty()) sorted_.push_back(i);
  }
  std::sort(sorted_.begin(), sorted_.end(), [this](std::size_t a, std::size_t b) {
    const Entry& x = entries_[a];
    const Entry& y = entries_[b];
    if (x.name != y.name) return x.name < y.name;
    if (x.priority != y.priority) return x.priority > y.priority;
    return x.order < y.order;
  });
  finished_.clear();
  for (std::size_t i = 0; i < sorted_.size();) {
    Entry& winner = entries_[sorted_[i]];
    std::size_t j = i + 1;
    // Attributes that collide after sanitising: their values joined with ";" in key order.
    for (; j < sorted_.size() && entries_[sorted_[j]].name == winner.name; ++j) {
      const Entry& other = entries_[sorted_[j]];
      if (other.priority != winner.priority) continue;
      winner.value += ';';
      winner.value += other.value;
    }
    finished_.push_back({winner.name, winner.value});
    i = j;
  }
  return finished_;
}

std::span<const LabelView> LabelBuilder::with(std::string_view name, std::string_view value) {
  extended_.clear();
  bool placed = false;
  for (const auto& label : finished_) {
    if (!placed && label.name >= name) {
      extended_.push_back({name, value});
      placed = true;
      if (label.name == name) continue;
    }
    extended_.push_back(label);
  }
  if (!placed) extended_.push_back({name, value});
  return extended_;
}

void LabelBuilder::append_identity(std::string& out) const {
  for (const auto& label : finished_) {
    out += label.name;
    out += '\0';
    out += label.value;
    out += '\0';
  }
}

}  // namespace vigil::exporters::prometheus
