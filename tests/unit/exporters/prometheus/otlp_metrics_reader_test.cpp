// The wire-level reader (otlp_wire_fields.h, otlp_metrics_reader.h): what it reads from bytes
// must be what the parsed message holds, for every encoding protobuf allows.
#include <gtest/gtest.h>

#include <limits>

#include "exporters/prometheus/otlp_metrics_reader.h"
#include "exporters/prometheus/prometheus_labels.h"
#include "tests/unit/exporters/prometheus/otlp_wire_test_support.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using testing::double_field;
using testing::fixed64_field;
using testing::group_field;
using testing::len_field;
using testing::varint_field;
namespace pb_common = testing::pb_common;
namespace pb_metrics = testing::pb_metrics;

std::string text_of_bytes(std::string_view any_value) {
  std::string out;
  append_any_value_text(read_any_value(any_value), out);
  return out;
}

std::string text_of_parsed(std::string_view any_value) {
  pb_common::AnyValue parsed;
  EXPECT_TRUE(parsed.ParseFromArray(any_value.data(), static_cast<int>(any_value.size())));
  std::string out;
  append_attribute_text(parsed, out);
  return out;
}

TEST(OtlpWireFields, ReadsEveryWireTypeAndSkipsGroups) {
  const std::string message =
      varint_field(1, 300) + fixed64_field(2, 0x0102030405060708ULL) +
      group_field(3, varint_field(1, 5) + len_field(2, "in a group")) + len_field(4, "text") +
      testing::encoded([](google::protobuf::io::CodedOutputStream& o) {
        o.WriteTag(testing::WireFormat::MakeTag(5, testing::WireFormat::WIRETYPE_FIXED32));
        o.WriteLittleEndian32(0xdeadbeef);
      });
  WireFields fields(message);
  WireField f;
  ASSERT_TRUE(fields.next(f));
  EXPECT_TRUE(f.is(1, WireType::kVarint));
  EXPECT_EQ(f.value, 300u);
  ASSERT_TRUE(fields.next(f));
  EXPECT_TRUE(f.is(2, WireType::kFixed64));
  EXPECT_EQ(f.value, 0x0102030405060708ULL);
  ASSERT_TRUE(fields.next(f));  // the group is skipped whole
  EXPECT_TRUE(f.is(4, WireType::kLength));
  EXPECT_EQ(f.bytes, "text");
  ASSERT_TRUE(fields.next(f));
  EXPECT_TRUE(f.is(5, WireType::kFixed32));
  EXPECT_EQ(f.value, 0xdeadbeefu);
  EXPECT_FALSE(fields.next(f));
}

TEST(OtlpWireFields, MalformedBytesEndTheWalkInsideTheView) {
  const std::string whole = len_field(1, "0123456789");
  for (std::size_t cut = 1; cut < whole.size(); ++cut) {
    WireFields fields(std::string_view(whole).substr(0, cut));
    WireField f;
    EXPECT_FALSE(fields.next(f)) << cut;
  }
  const std::string stray = testing::encoded([](google::protobuf::io::CodedOutputStream& o) {
    o.WriteTag(testing::WireFormat::MakeTag(1, testing::WireFormat::WIRETYPE_END_GROUP));
  });
  WireFields stray_end(stray);
  WireField f;
  EXPECT_FALSE(stray_end.next(f));
}

TEST(OtlpWireFields, RepeatedNumbersPackedOrNot) {
  std::vector<std::uint64_t> seen;
  WireField unpacked{.number = 6, .type = WireType::kFixed64, .value = 7, .bytes = {}};
  for_each_fixed64(unpacked, [&](std::uint64_t v) { seen.push_back(v); });
  pb_metrics::HistogramDataPoint p;
  p.add_bucket_counts(1);
  p.add_bucket_counts(2);
  pb_metrics::ExponentialHistogramDataPoint::Buckets b;
  b.add_bucket_counts(300);
  b.add_bucket_counts(1);
  for (const std::string& bytes : {p.SerializeAsString(), b.SerializeAsString()}) {
    WireFields fields(bytes);
    WireField f;
    while (fields.next(f)) {
      if (f.number == 6) for_each_fixed64(f, [&](std::uint64_t v) { seen.push_back(v); });
      if (f.number == 2) for_each_varint(f, [&](std::uint64_t v) { seen.push_back(v); });
    }
  }
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{7, 1, 2, 300, 1}));
}

TEST(OtlpMetricsReader, AnyValueTextOfEveryTypeEqualsTheParsedOnes) {
  std::vector<pb_common::AnyValue> values(9);
  values[0].set_string_value("plain \"text\" ü");
  values[1].set_bool_value(false);
  values[2].set_int_value(std::numeric_limits<std::int64_t>::min());
  values[3].set_double_value(0.1);
  values[4].set_bytes_value(std::string("\x00\xff\x10", 3));
  auto* array = values[5].mutable_array_value();
  array->add_values()->set_string_value("a\"b");
  array->add_values()->set_double_value(-2.5e-300);
  array->add_values();  // no value: null
  array->add_values()->set_bytes_value("xyz");
  auto* map = values[6].mutable_kvlist_value();
  auto* kv = map->add_values();
  kv->set_key("k\n");
  *kv->mutable_value() = values[5];
  map->add_values()->set_key("empty");
  // Nested deeper than the text keeps (the rest is cut to null at depth 33).
  pb_common::AnyValue* deep = &values[7];
  for (int i = 0; i < 40; ++i) deep = deep->mutable_array_value()->add_values();
  deep->set_int_value(1);
  // values[8]: no value at all.
  for (const auto& value : values) {
    const std::string bytes = value.SerializeAsString();
    EXPECT_EQ(text_of_bytes(bytes), text_of_parsed(bytes)) << value.DebugString();
  }
  EXPECT_EQ(text_of_bytes(values[5].SerializeAsString()), R"(["a\"b",-2.5e-300,null,"eHl6"])");
}

TEST(OtlpMetricsReader, AnyValueKeepsTheLastMemberOfItsOneof) {
  pb_common::AnyValue text;
  text.set_string_value("first");
  pb_common::AnyValue number;
  number.set_int_value(42);
  const std::string string_then_int = text.SerializeAsString() + number.SerializeAsString();
  EXPECT_EQ(text_of_bytes(string_then_int), "42");
  EXPECT_EQ(text_of_bytes(string_then_int), text_of_parsed(string_then_int));
  const std::string int_then_string = number.SerializeAsString() + text.SerializeAsString();
  EXPECT_EQ(text_of_bytes(int_then_string), "first");
  // A known field of another wire type is an unknown field: here, no value at all.
  const std::string wrong_type = varint_field(1, 7);
  EXPECT_EQ(text_of_bytes(wrong_type), "");
  EXPECT_EQ(text_of_bytes(wrong_type), text_of_parsed(wrong_type));
}

TEST(OtlpMetricsReader, MetricFieldsInAnyOrderLastDataMemberWins) {
  pb_metrics::Metric gauge;
  gauge.mutable_gauge()->add_data_points()->set_as_double(1);
  pb_metrics::Metric sum;
  sum.mutable_sum()->set_is_monotonic(true);
  sum.mutable_sum()->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  sum.mutable_sum()->add_data_points()->set_as_int(2);
  sum.mutable_sum()->add_data_points()->set_as_int(3);
  pb_metrics::Metric names;
  names.set_name("first.name");
  names.set_unit("By");
  names.set_description("help");
  pb_metrics::Metric rename;
  rename.set_name("second.name");
  const std::string bytes = gauge.SerializeAsString() + names.SerializeAsString() +
                            sum.SerializeAsString() + rename.SerializeAsString();
  const MetricView m = read_metric(bytes);
  EXPECT_EQ(m.name, "second.name");
  EXPECT_EQ(m.unit, "By");
  EXPECT_EQ(m.description, "help");
  EXPECT_EQ(m.data, MetricData::kSum);
  EXPECT_TRUE(m.monotonic);
  EXPECT_TRUE(m.delta);
  EXPECT_EQ(count_data_points(m.body), 2u);
  pb_metrics::Metric parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.data_case(), pb_metrics::Metric::kSum);
  EXPECT_EQ(parsed.name(), m.name);
}

TEST(OtlpMetricsReader, NumberPointLastValueWinsAttributesInOrder) {
  pb_metrics::NumberDataPoint a;
  a.set_as_double(1.5);
  testing::set_attrs(a.mutable_attributes(), {{"x", "1"}});
  a.set_time_unix_nano(10);
  a.set_flags(1);
  pb_metrics::NumberDataPoint b;
  b.set_as_int(-7);
  testing::set_attrs(b.mutable_attributes(), {{"y", "2"}});
  b.set_start_time_unix_nano(5);
  const std::string bytes = a.SerializeAsString() + b.SerializeAsString();  // the views' home
  NumberPoint point;
  read_number_point(bytes, point);
  EXPECT_EQ(point.value, -7.0);
  EXPECT_EQ(point.time_ns, 10u);
  EXPECT_EQ(point.start_ns, 5u);
  EXPECT_EQ(point.flags, 1u);
  ASSERT_EQ(point.attributes.size(), 2u);
  EXPECT_EQ(point.attributes[0].key, "x");
  EXPECT_EQ(point.attributes[1].key, "y");
  std::string scratch;
  EXPECT_EQ(any_value_text(point.attributes[1].value, scratch), "2");
  EXPECT_EQ(point.attributes[1].value.member, 1u);  // a string: a view of it, no copy
  // Read again into the same point: nothing of the last one stays.
  read_number_point(pb_metrics::NumberDataPoint().SerializeAsString(), point);
  EXPECT_EQ(point.value, 0.0);
  EXPECT_EQ(point.time_ns, 0u);
  EXPECT_EQ(point.flags, 0u);
  EXPECT_TRUE(point.attributes.empty());
}

TEST(OtlpMetricsReader, HistogramPointPackedAndUnpackedNumbers) {
  // bucket_counts unpacked (one fixed64 field each), explicit_bounds in two packed runs.
  pb_metrics::HistogramDataPoint bounds1;
  bounds1.add_explicit_bounds(1);
  pb_metrics::HistogramDataPoint bounds2;
  bounds2.add_explicit_bounds(5);
  const std::string bytes = fixed64_field(6, 3) + bounds1.SerializeAsString() +
                            fixed64_field(6, 4) + bounds2.SerializeAsString() +
                            fixed64_field(6, 5) + double_field(5, 9.5) + fixed64_field(4, 12);
  HistogramPoint point;
  read_histogram_point(bytes, point);
  EXPECT_EQ(point.value.counts, (std::vector<std::uint64_t>{3, 4, 5}));
  EXPECT_EQ(point.value.bounds, (std::vector<double>{1, 5}));
  EXPECT_TRUE(point.value.has_sum);
  EXPECT_EQ(point.value.sum, 9.5);
  EXPECT_EQ(point.value.count, 12u);
  pb_metrics::HistogramDataPoint parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.bucket_counts_size(), 3);
  EXPECT_EQ(parsed.explicit_bounds_size(), 2);
  read_histogram_point(pb_metrics::HistogramDataPoint().SerializeAsString(), point);
  EXPECT_FALSE(point.value.has_sum);
  EXPECT_TRUE(point.value.counts.empty());
}

TEST(OtlpMetricsReader, ExponentialPointSignedScaleAndOffsets) {
  pb_metrics::ExponentialHistogramDataPoint p;
  p.set_scale(-3);
  p.set_zero_threshold(0.25);
  p.set_zero_count(2);
  p.mutable_positive()->set_offset(-5);
  p.mutable_positive()->add_bucket_counts(1);
  p.mutable_positive()->add_bucket_counts(200);
  p.mutable_negative()->set_offset(std::numeric_limits<std::int32_t>::min());
  p.mutable_negative()->add_bucket_counts(3);
  p.set_count(206);
  ExponentialPoint point;
  read_exponential_point(p.SerializeAsString(), point);
  EXPECT_EQ(point.value.scale, -3);
  EXPECT_EQ(point.value.zero_threshold, 0.25);
  EXPECT_EQ(point.value.zero_count, 2u);
  EXPECT_EQ(point.value.positive.offset, -5);
  EXPECT_EQ(point.value.positive.counts, (std::vector<std::uint64_t>{1, 200}));
  EXPECT_EQ(point.value.negative.offset, std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(point.value.count, 206u);
  EXPECT_FALSE(point.value.has_sum);
}

TEST(OtlpMetricsReader, SummaryPointQuantilesInOrder) {
  pb_metrics::SummaryDataPoint p;
  for (auto [q, v] : {std::pair{0.5, 1.0}, std::pair{0.99, 8.0}}) {
    auto* qv = p.add_quantile_values();
    qv->set_quantile(q);
    qv->set_value(v);
  }
  p.set_sum(12);
  p.set_count(3);
  SummaryPoint point;
  read_summary_point(p.SerializeAsString(), point);
  EXPECT_EQ(point.quantiles, (std::vector<std::pair<double, double>>{{0.5, 1.0}, {0.99, 8.0}}));
  EXPECT_EQ(point.sum, 12);
  EXPECT_EQ(point.count, 3u);
}

TEST(OtlpMetricsReader, ScopeAndLastMessage) {
  const std::string scope = len_field(1, "a") + len_field(2, "1.0") + len_field(1, "b");
  const ScopeView view = read_scope(scope);
  EXPECT_EQ(view.name, "b");
  EXPECT_EQ(view.version, "1.0");
  const std::string container = len_field(1, "x") + varint_field(1, 3) + len_field(2, "y");
  EXPECT_EQ(last_message(container, 1), "x");  // the varint is no message
  EXPECT_EQ(last_message(container, 3), "");
}

}  // namespace
}  // namespace vigil::exporters::prometheus
