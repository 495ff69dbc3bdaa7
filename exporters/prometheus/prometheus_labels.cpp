#include "exporters/prometheus/prometheus_labels.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "exporters/prometheus/prometheus_names.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace vigil::exporters::prometheus {

namespace {

namespace common = opentelemetry::proto::common::v1;

void append_base64(std::string_view bytes, std::string& out) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
  if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
  out += kAlphabet[(n >> 18) & 63];
  out += kAlphabet[(n >> 12) & 63];
  out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
  out += '=';
}

void append_json_string(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr std::string_view kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(static_cast<unsigned char>(c) >> 4) & 15];
          out += kHex[static_cast<unsigned char>(c) & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_double_text(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec == std::errc()) out.append(buf.data(), end);
}

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
    append_json_string(list.values(i).key(), out);
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
        append_json_string(value.string_value(), out);
      } else {
        out += value.string_value();
      }
      return;
    case common::AnyValue::kBoolValue:
      out += value.bool_value() ? "true" : "false";
      return;
    case common::AnyValue::kIntValue: {
      std::array<char, 24> buf{};
      const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value.int_value());
      if (ec == std::errc()) out.append(buf.data(), end);
      return;
    }
    case common::AnyValue::kDoubleValue:
      if (json && !std::isfinite(value.double_value())) {
        out += '"';
        append_double_text(value.double_value(), out);
        out += '"';
      } else {
        append_double_text(value.double_value(), out);
      }
      return;
    case common::AnyValue::kBytesValue:
      if (json) out += '"';
      append_base64(value.bytes_value(), out);
      if (json) out += '"';
      return;
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
