#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "exporters/prometheus/prometheus_names.h"

namespace vigil::exporters::prometheus {
namespace {

std::string name_of(std::string_view name, std::string_view unit,
                    TypeSuffix suffix = TypeSuffix::kNone, std::string* unit_word = nullptr) {
  std::string out;
  std::string word;
  standard_metric_name(name, unit, suffix, out, word);
  if (unit_word != nullptr) *unit_word = word;
  return out;
}

std::string label_of(std::string_view key) {
  std::string out;
  append_label_name(key, out);
  return out;
}

std::string double_text(double v) {
  std::string out;
  append_label_double(v, out);
  return out;
}

TEST(TranslationNames, UnitWords) {
  EXPECT_EQ(unit_suffix("s"), "seconds");
  EXPECT_EQ(unit_suffix("ms"), "milliseconds");
  EXPECT_EQ(unit_suffix("By"), "bytes");
  EXPECT_EQ(unit_suffix("KiBy"), "kibibytes");
  EXPECT_EQ(unit_suffix("Cel"), "celsius");
  EXPECT_EQ(unit_suffix("%"), "percent");
  EXPECT_EQ(unit_suffix("1"), "");
  EXPECT_EQ(unit_suffix("{packet}"), "");
  EXPECT_EQ(unit_suffix("By/s"), "bytes_per_second");
  EXPECT_EQ(unit_suffix("{request}/min"), "per_min");  // "min" is no per-unit word: as is
  EXPECT_EQ(unit_suffix("m/s"), "meters_per_second");
  EXPECT_EQ(unit_suffix("{packet}/s"), "per_second");
  EXPECT_EQ(unit_suffix("widgets"), "widgets");  // unknown units as they are
  EXPECT_EQ(unit_suffix("foo.bar"), "foo_bar");
  EXPECT_EQ(unit_suffix(""), "");
}

TEST(TranslationNames, StandardRules) {
  std::string unit;
  // Unit suffix, then the type suffix.
  EXPECT_EQ(name_of("system.network.io", "By", TypeSuffix::kTotal, &unit),
            "system_network_io_bytes_total");
  EXPECT_EQ(unit, "bytes");
  EXPECT_EQ(name_of("http.server.request.duration", "s", TypeSuffix::kNone, &unit),
            "http_server_request_duration_seconds");
  EXPECT_EQ(unit, "seconds");
  // Unit "1" gauges: _ratio.
  EXPECT_EQ(name_of("system.cpu.utilization", "1", TypeSuffix::kRatio, &unit),
            "system_cpu_utilization_ratio");
  EXPECT_EQ(unit, "ratio");
  // Annotations add nothing.
  EXPECT_EQ(name_of("system.network.packets", "{packet}", TypeSuffix::kTotal, &unit),
            "system_network_packets_total");
  EXPECT_EQ(unit, "");
  // A unit already in the name is not repeated, and then not declared (the name does not end
  // with it).
  EXPECT_EQ(name_of("request_seconds_spent", "s", TypeSuffix::kNone, &unit),
            "request_seconds_spent");
  EXPECT_EQ(unit, "");
  EXPECT_EQ(name_of("duration_seconds", "s"), "duration_seconds");
  // "total" moves to the end.
  EXPECT_EQ(name_of("requests.total", "", TypeSuffix::kTotal), "requests_total");
  EXPECT_EQ(name_of("total.requests", "{request}", TypeSuffix::kTotal), "requests_total");
  EXPECT_EQ(name_of("ratio.thing", "1", TypeSuffix::kRatio), "thing_ratio");
  // Per units.
  EXPECT_EQ(name_of("throughput", "By/s", TypeSuffix::kNone, &unit), "throughput_bytes_per_second");
  EXPECT_EQ(unit, "bytes_per_second");
  // A counter's declared unit ignores _total.
  EXPECT_EQ(name_of("cpu.time", "s", TypeSuffix::kTotal, &unit), "cpu_time_seconds_total");
  EXPECT_EQ(unit, "seconds");
}

TEST(TranslationNames, Sanitising) {
  // Runs of invalid characters become one "_", none leading or trailing.
  EXPECT_EQ(name_of("foo-bar/baz", ""), "foo_bar_baz");
  EXPECT_EQ(name_of("__foo..bar__", ""), "foo_bar");
  EXPECT_EQ(name_of("a___b", ""), "a_b");
  EXPECT_EQ(name_of("température.air", "Cel"), "temp_rature_air_celsius");
  // Colons are valid in metric names.
  EXPECT_EQ(name_of("job:requests:rate5m", ""), "job:requests:rate5m");
  // A leading digit gets "_".
  EXPECT_EQ(name_of("2xx.responses", "", TypeSuffix::kTotal), "_2xx_responses_total");
  // Nothing usable: empty (the translator drops the metric and counts it).
  EXPECT_EQ(name_of("", "s"), "");
  EXPECT_EQ(name_of("...", "s"), "");
  EXPECT_EQ(name_of("ü", ""), "");
}

TEST(TranslationNames, LabelNames) {
  EXPECT_EQ(label_of("http.method"), "http_method");
  EXPECT_EQ(label_of("service.instance.id"), "service_instance_id");
  EXPECT_EQ(label_of("Content-Type"), "Content_Type");
  EXPECT_EQ(label_of("a__b"), "a__b");  // label names keep runs of "_"
  EXPECT_EQ(label_of("0day"), "key_0day");
  EXPECT_EQ(label_of("_private"), "key_private");
  EXPECT_EQ(label_of("__name__"), "key__name__");  // never the reserved names
  EXPECT_EQ(label_of("ключ"), "____");             // one "_" per character, not per byte
  EXPECT_EQ(label_of("a:b"), "a_b");
  EXPECT_EQ(label_of(""), "");
  EXPECT_TRUE(is_valid_label_name(label_of("9 lives & more")));
}

TEST(TranslationNames, Validity) {
  EXPECT_TRUE(is_valid_metric_name("node_cpu_seconds_total"));
  EXPECT_TRUE(is_valid_metric_name("job:rate:5m"));
  EXPECT_FALSE(is_valid_metric_name("1abc"));
  EXPECT_FALSE(is_valid_metric_name("a-b"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_TRUE(is_valid_label_name("_a"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("1a"));
}

TEST(TranslationNames, BoundText) {
  EXPECT_EQ(double_text(0.005), "0.005");
  EXPECT_EQ(double_text(1), "1");
  EXPECT_EQ(double_text(2.5), "2.5");
  EXPECT_EQ(double_text(250), "250");
  EXPECT_EQ(double_text(1e6), "1000000");
  EXPECT_EQ(double_text(-10), "-10");
  EXPECT_EQ(double_text(0), "0");
  EXPECT_EQ(double_text(1e-9), "1e-09");
  EXPECT_EQ(double_text(1e300), "1e+300");
  EXPECT_EQ(double_text(0.1 + 0.2), "0.30000000000000004");  // reads back exactly
  EXPECT_EQ(double_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(double_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(double_text(std::nan("")), "NaN");
}

}  // namespace
}  // namespace vigil::exporters::prometheus
