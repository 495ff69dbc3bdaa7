#include "exporters/cloudwatch/put_metric_data.h"

#include <chrono>

#include <fmt/format.h>

namespace vigil::exporters::cloudwatch {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Doubles as the shortest text that reads back the same ("5", "0.1", "1e+100"); the form
// encoding turns the exponent's '+' into %2B.
void append_number(double v, std::string& out) { append_form_encoded(fmt::format("{}", v), out); }

// "&MetricData.member.N." + suffix + "=" (names are plain ASCII: no encoding needed).
void append_key(std::string& out, std::string_view prefix, std::string_view suffix) {
  out.push_back('&');
  out.append(prefix);
  out.append(suffix);
  out.push_back('=');
}

void append_datum(const MetricDatum& d, std::size_t index, std::string& out) {
  const std::string prefix = fmt::format("MetricData.member.{}.", index);
  append_key(out, prefix, "MetricName");
  append_form_encoded(d.name, out);
  for (std::size_t i = 0; i < d.dimensions.size(); ++i) {
    const std::string dim = fmt::format("Dimensions.member.{}.", i + 1);
    append_key(out, prefix, dim + "Name");
    append_form_encoded(d.dimensions[i].name, out);
    append_key(out, prefix, dim + "Value");
    append_form_encoded(d.dimensions[i].value, out);
  }
  append_key(out, prefix, "Timestamp");
  append_form_encoded(iso8601_from_ms(d.timestamp_ms), out);
  append_key(out, prefix, "Unit");
  append_form_encoded(d.unit, out);
  append_key(out, prefix, "StorageResolution");
  out += d.storage_resolution == 1 ? "1" : "60";
  switch (d.kind) {
    case MetricDatum::Kind::kValue:
      append_key(out, prefix, "Value");
      append_number(d.value, out);
      break;
    case MetricDatum::Kind::kStatistics:
      append_key(out, prefix, "StatisticValues.SampleCount");
      append_number(d.statistics.sample_count, out);
      append_key(out, prefix, "StatisticValues.Sum");
      append_number(d.statistics.sum, out);
      append_key(out, prefix, "StatisticValues.Minimum");
      append_number(d.statistics.minimum, out);
      append_key(out, prefix, "StatisticValues.Maximum");
      append_number(d.statistics.maximum, out);
      break;
    case MetricDatum::Kind::kValues:
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        append_key(out, prefix, fmt::format("Values.member.{}", i + 1));
        append_number(d.values[i], out);
      }
      for (std::size_t i = 0; i < d.counts.size(); ++i) {
        append_key(out, prefix, fmt::format("Counts.member.{}", i + 1));
        append_number(d.counts[i], out);
      }
      break;
  }
}

}  // namespace

void append_form_encoded(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

std::string iso8601_from_ms(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const auto ms = hms.subseconds().count();
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (ms != 0) out += fmt::format(".{:03}", ms);
  out.push_back('Z');
  return out;
}

std::vector<PutMetricDataBody> build_put_metric_data(std::string_view namespace_name,
                                                     std::span<const MetricDatum> datums,
                                                     std::size_t max_datums,
                                                     std::size_t max_bytes) {
  std::string header = "Action=PutMetricData&Version=2010-08-01&Namespace=";
  append_form_encoded(namespace_name, header);
  std::vector<PutMetricDataBody> bodies;
  PutMetricDataBody current;
  std::string encoded;
  for (const auto& datum : datums) {
    if (current.datums == 0) current.body = header;
    encoded.clear();
    append_datum(datum, current.datums + 1, encoded);
    const bool full = current.datums == max_datums ||
                      (current.datums > 0 && current.body.size() + encoded.size() > max_bytes);
    if (full) {
      bodies.push_back(std::move(current));
      current = PutMetricDataBody{header, 0};
      encoded.clear();
      append_datum(datum, 1, encoded);
    }
    current.body += encoded;
    ++current.datums;
  }
  if (current.datums > 0) bodies.push_back(std::move(current));
  return bodies;
}

}  // namespace vigil::exporters::cloudwatch
