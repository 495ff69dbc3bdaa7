#include "exporters/prometheus/exposition_writer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vigil::exporters::prometheus {

namespace {

// Appends `text` with the characters in `escaped` replaced by their escapes; the common case
// (nothing to escape) is one append.
template <bool kQuotes>
void append_with_escapes(std::string_view text, std::string& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* escape = nullptr;
    if (c == '\\') {
      escape = "\\\\";
    } else if (c == '\n') {
      escape = "\\n";
    } else if (kQuotes && c == '"') {
      escape = "\\\"";
    } else {
      continue;
    }
    out.append(text.data() + start, i - start);
    out.append(escape, 2);
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

}  // namespace

void append_escaped(std::string_view value, std::string& out) {
  append_with_escapes<true>(value, out);
}

void append_escaped_help_text(std::string_view help, std::string& out) {
  append_with_escapes<false>(help, out);
}

void append_labels(std::span<const LabelView> labels, std::string_view skip, std::string& out) {
  bool first = true;
  for (const LabelView& label : labels) {
    if (!skip.empty() && label.name == skip) continue;
    out.push_back(first ? '{' : ',');
    first = false;
    out.append(label.name);
    out.append("=\"");
    append_escaped(label.value, out);
    out.push_back('"');
  }
  if (!first) out.push_back('}');
}

void append_value(double value, std::string& out) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
  } else {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_integer(std::int64_t value, std::string& out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_seconds(std::int64_t millis, std::string& out) {
  // The magnitude as unsigned: -INT64_MIN does not fit an int64.
  std::uint64_t magnitude = static_cast<std::uint64_t>(millis);
  if (millis < 0) {
    out.push_back('-');
    magnitude = 0 - magnitude;
  }
  char buffer[24];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, magnitude / 1000);
  out.append(buffer, r.ptr);
  const auto frac = static_cast<unsigned>(magnitude % 1000);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + frac / 100));
  out.push_back(static_cast<char>('0' + frac / 10 % 10));
  out.push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace vigil::exporters::prometheus
