#include "exporters/prometheus/otlp_metrics_reader.h"

#include "agent/otlp/json_text.h"
#include "exporters/prometheus/prometheus_names.h"

namespace vigil::exporters::prometheus {

namespace {

constexpr std::uint32_t kAggregationTemporalityDelta = 1;

// Point fields every data point type has at the same numbers.
constexpr std::uint32_t kStartTime = 2;
constexpr std::uint32_t kTime = 3;
constexpr std::uint32_t kCount = 4;
constexpr std::uint32_t kSum = 5;

// Start times, times and attributes: true when `f` was one of them.
bool read_common(const WireField& f, std::uint32_t attributes_number, PointCommon& out) {
  if (f.is(attributes_number, WireType::kLength)) {
    out.attributes.push_back(read_key_value(f.bytes));
  } else if (f.is(kStartTime, WireType::kFixed64)) {
    out.start_ns = f.value;
  } else if (f.is(kTime, WireType::kFixed64)) {
    out.time_ns = f.value;
  } else {
    return false;
  }
  return true;
}

// count and sum, at the same numbers in histogram, exponential and summary points: true when
// `f` was one of them. `has_sum` tells an optional sum (histograms) from an absent one.
bool read_count_and_sum(const WireField& f, std::uint64_t& count, double& sum, bool& has_sum) {
  if (f.is(kCount, WireType::kFixed64)) {
    count = f.value;
  } else if (f.is(kSum, WireType::kFixed64)) {
    sum = f.as_double();
    has_sum = true;
  } else {
    return false;
  }
  return true;
}

void reset_common(PointCommon& out) {
  out.attributes.clear();
  out.start_ns = 0;
  out.time_ns = 0;
  out.flags = 0;
}

// The member of Metric's `data` oneof that field `number` is.
MetricData data_member(std::uint32_t number) {
  switch (number) {
    case 5:
      return MetricData::kGauge;
    case 7:
      return MetricData::kSum;
    case 9:
      return MetricData::kHistogram;
    case 10:
      return MetricData::kExponentialHistogram;
    case 11:
      return MetricData::kSummary;
    default:
      return MetricData::kNone;
  }
}

void read_buckets(std::string_view buckets, ExponentialBuckets& out) {
  WireFields fields(buckets);
  WireField f;
  while (fields.next(f)) {
    if (f.is(1, WireType::kVarint)) {
      out.offset = f.as_sint32();
    } else if (f.number == 2) {
      for_each_varint(f, [&](std::uint64_t v) { out.counts.push_back(v); });
    }
  }
}

void append_any(const AnyValueView& value, std::string& out, bool json, int depth);

void append_array(std::string_view array, std::string& out, int depth) {
  out += '[';
  bool first = true;
  for_each_message(array, 1, [&](std::string_view element) {
    if (!first) out += ',';
    first = false;
    append_any(read_any_value(element), out, true, depth + 1);
  });
  out += ']';
}

void append_map(std::string_view list, std::string& out, int depth) {
  out += '{';
  bool first = true;
  for_each_message(list, 1, [&](std::string_view entry) {
    if (!first) out += ',';
    first = false;
    const KeyValueView kv = read_key_value(entry);
    otlp::append_json_string(kv.key, out);
    out += ':';
    append_any(kv.value, out, true, depth + 1);
  });
  out += '}';
}

// prometheus_labels.cpp's append_any over the bytes: `json` inside an array or map, where
// strings are quoted; nesting deeper than 32 is cut short the same way.
void append_any(const AnyValueView& value, std::string& out, bool json, int depth) {
  if (depth > 32) {
    out += json ? "null" : "";
    return;
  }
  switch (value.member) {
    case 1:
      if (json) {
        otlp::append_json_string(value.bytes, out);
      } else {
        out += value.bytes;
      }
      return;
    case 2:
      out += value.number != 0 ? "true" : "false";
      return;
    case 3:
      otlp::append_json_int(static_cast<std::int64_t>(value.number), out);
      return;
    case 4:
      if (json) {
        otlp::append_json_double(std::bit_cast<double>(value.number), out);
      } else {
        append_label_double(std::bit_cast<double>(value.number), out);
      }
      return;
    case 5:
      append_array(value.bytes, out, depth);
      return;
    case 6:
      append_map(value.bytes, out, depth);
      return;
    case 7: {
      const std::size_t at = out.size();
      otlp::append_json_base64(value.bytes, out);
      if (!json) {  // a label value: without the quotes
        out.erase(at, 1);
        out.pop_back();
      }
      return;
    }
    default:
      if (json) out += "null";
      return;
  }
}

}  // namespace

std::string_view last_message(std::string_view message, std::uint32_t number) {
  std::string_view last;
  for_each_message(message, number, [&](std::string_view m) { last = m; });
  return last;
}

ScopeView read_scope(std::string_view scope) {
  ScopeView out;
  WireFields fields(scope);
  WireField f;
  while (fields.next(f)) {
    if (f.is(1, WireType::kLength)) {
      out.name = f.bytes;
    } else if (f.is(2, WireType::kLength)) {
      out.version = f.bytes;
    }
  }
  return out;
}

MetricView read_metric(std::string_view metric) {
  MetricView out;
  WireFields fields(metric);
  WireField f;
  while (fields.next(f)) {
    if (f.type != WireType::kLength) continue;
    if (f.number == 1) {
      out.name = f.bytes;
    } else if (f.number == 2) {
      out.description = f.bytes;
    } else if (f.number == 3) {
      out.unit = f.bytes;
    } else if (const MetricData data = data_member(f.number); data != MetricData::kNone) {
      out.data = data;
      out.body = f.bytes;
    }
  }
  if (out.data == MetricData::kGauge || out.data == MetricData::kSummary) return out;
  WireFields data(out.body);
  while (data.next(f)) {
    if (f.is(2, WireType::kVarint)) {
      out.delta = f.as_uint32() == kAggregationTemporalityDelta;
    } else if (f.is(3, WireType::kVarint) && out.data == MetricData::kSum) {
      out.monotonic = f.value != 0;
    }
  }
  return out;
}

std::uint64_t count_data_points(std::string_view body) {
  std::uint64_t n = 0;
  for_each_message(body, kDataPoints, [&](std::string_view) { ++n; });
  return n;
}

AnyValueView read_any_value(std::string_view any_value) {
  // The oneof's last member wins.
  AnyValueView out;
  WireFields fields(any_value);
  WireField f;
  while (fields.next(f)) {
    const bool is_member = f.is(1, WireType::kLength) || f.is(2, WireType::kVarint) ||
                           f.is(3, WireType::kVarint) || f.is(4, WireType::kFixed64) ||
                           f.is(5, WireType::kLength) || f.is(6, WireType::kLength) ||
                           f.is(7, WireType::kLength);
    if (is_member) out = {f.number, f.value, f.bytes};
  }
  return out;
}

KeyValueView read_key_value(std::string_view key_value) {
  KeyValueView out;
  WireFields fields(key_value);
  WireField f;
  while (fields.next(f)) {
    if (f.is(1, WireType::kLength)) {
      out.key = f.bytes;
    } else if (f.is(2, WireType::kLength)) {
      out.value = read_any_value(f.bytes);  // met once: the check sends repeats to the parser
    }
  }
  return out;
}

void read_key_values(std::string_view message, std::uint32_t number,
                     std::vector<KeyValueView>& out) {
  out.clear();
  for_each_message(message, number,
                   [&](std::string_view entry) { out.push_back(read_key_value(entry)); });
}

void append_any_value_text(const AnyValueView& value, std::string& out) {
  append_any(value, out, false, 0);
}

std::string_view any_value_text(const AnyValueView& value, std::string& scratch) {
  if (value.member == 1) return value.bytes;
  scratch.clear();
  append_any(value, scratch, false, 0);
  return scratch;
}

void read_number_point(std::string_view point, NumberPoint& out) {
  reset_common(out);
  out.value = 0;  // no member of the value oneof: as_double's default
  WireFields fields(point);
  WireField f;
  while (fields.next(f)) {
    if (read_common(f, 7, out)) continue;
    if (f.is(4, WireType::kFixed64)) {
      out.value = f.as_double();
    } else if (f.is(6, WireType::kFixed64)) {
      out.value = static_cast<double>(static_cast<std::int64_t>(f.value));
    } else if (f.is(8, WireType::kVarint)) {
      out.flags = f.as_uint32();
    }
  }
}

void read_histogram_point(std::string_view point, HistogramPoint& out) {
  reset_common(out);
  HistogramValue& h = out.value;
  h.bounds.clear();
  h.counts.clear();
  h.count = 0;
  h.sum = 0;
  h.has_sum = false;
  WireFields fields(point);
  WireField f;
  while (fields.next(f)) {
    if (read_common(f, 9, out) || read_count_and_sum(f, h.count, h.sum, h.has_sum)) continue;
    if (f.number == 6) {
      for_each_fixed64(f, [&](std::uint64_t v) { h.counts.push_back(v); });
    } else if (f.number == 7) {
      for_each_fixed64(f, [&](std::uint64_t v) { h.bounds.push_back(std::bit_cast<double>(v)); });
    } else if (f.is(10, WireType::kVarint)) {
      out.flags = f.as_uint32();
    }
  }
}

void read_exponential_point(std::string_view point, ExponentialPoint& out) {
  reset_common(out);
  ExponentialHistogramValue& h = out.value;
  h.scale = 0;
  h.zero_threshold = 0;
  h.zero_count = 0;
  h.positive.offset = 0;
  h.positive.counts.clear();
  h.negative.offset = 0;
  h.negative.counts.clear();
  h.count = 0;
  h.sum = 0;
  h.has_sum = false;
  WireFields fields(point);
  WireField f;
  while (fields.next(f)) {
    if (read_common(f, 1, out) || read_count_and_sum(f, h.count, h.sum, h.has_sum)) continue;
    if (f.is(6, WireType::kVarint)) {
      h.scale = f.as_sint32();
    } else if (f.is(7, WireType::kFixed64)) {
      h.zero_count = f.value;
    } else if (f.is(8, WireType::kLength)) {
      read_buckets(f.bytes, h.positive);
    } else if (f.is(9, WireType::kLength)) {
      read_buckets(f.bytes, h.negative);
    } else if (f.is(10, WireType::kVarint)) {
      out.flags = f.as_uint32();
    } else if (f.is(14, WireType::kFixed64)) {
      h.zero_threshold = f.as_double();
    }
  }
}

void read_summary_point(std::string_view point, SummaryPoint& out) {
  reset_common(out);
  out.count = 0;
  out.sum = 0;
  out.quantiles.clear();
  bool has_sum = false;  // a summary's sum is no optional field: unused
  WireFields fields(point);
  WireField f;
  while (fields.next(f)) {
    if (read_common(f, 7, out) || read_count_and_sum(f, out.count, out.sum, has_sum)) continue;
    if (f.is(6, WireType::kLength)) {
      double quantile = 0;
      double value = 0;
      WireFields q(f.bytes);
      WireField g;
      while (q.next(g)) {
        if (g.is(1, WireType::kFixed64)) quantile = g.as_double();
        if (g.is(2, WireType::kFixed64)) value = g.as_double();
      }
      out.quantiles.emplace_back(quantile, value);
    } else if (f.is(8, WireType::kVarint)) {
      out.flags = f.as_uint32();
    }
  }
}

}  // namespace vigil::exporters::prometheus
