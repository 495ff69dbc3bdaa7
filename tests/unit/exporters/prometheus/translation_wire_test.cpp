// The translation reads requests at the wire level (otlp_metrics_reader.h). Whatever the
// encoding, it must translate what libprotobuf would parse: the same samples as from the
// canonical re-serialization of the parsed message, and an error exactly when ParseFromArray
// fails.
#include <gtest/gtest.h>

#include <google/protobuf/stubs/logging.h>

#include "exporters/prometheus/otlp_request_check.h"
#include "tests/unit/exporters/prometheus/otlp_wire_test_support.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using testing::Attrs;
using testing::group_field;
using testing::kSecond;
using testing::kT0;
using testing::len_field;
using testing::RequestBuilder;
using testing::varint_field;
namespace pb_collector = testing::pb_collector;
namespace pb_metrics = testing::pb_metrics;

struct Outcome {
  bool ok = false;
  std::vector<std::string> samples;  // every field the sink saw, one line per sample
  TranslationStats stats;
};

// A fresh translator (default options: target_info and scope labels too) over `bytes`.
Outcome translate_bytes(std::string_view bytes) {
  Translator translator({});
  testing::RecordingSink sink;
  Outcome out;
  auto result = translator.translate(bytes, sink);
  out.ok = result.has_value();
  if (result) out.stats = *result;
  for (const auto& s : sink.samples) {
    out.samples.push_back(s.family + "|" + std::to_string(static_cast<int>(s.kind)) + "|" + s.help +
                          "|" + s.unit + "|" + s.line() + "|" + std::to_string(s.timestamp_ms) +
                          "|" + std::to_string(s.start_ms));
  }
  return out;
}

bool parses(std::string_view bytes) {
  pb_collector::ExportMetricsServiceRequest parsed;
  return parsed.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

std::string canonical(std::string_view bytes) {
  pb_collector::ExportMetricsServiceRequest parsed;
  EXPECT_TRUE(parsed.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  return parsed.SerializeAsString();
}

// Translating `bytes` gives what translating the parsed message's canonical bytes gives.
void expect_as_parsed(std::string_view bytes) {
  const Outcome direct = translate_bytes(bytes);
  ASSERT_TRUE(direct.ok);
  const Outcome reference = translate_bytes(canonical(bytes));
  ASSERT_TRUE(reference.ok);
  EXPECT_EQ(direct.samples, reference.samples);
  EXPECT_EQ(direct.stats.points, reference.stats.points);
  EXPECT_EQ(direct.stats.dropped(), reference.stats.dropped());
}

bool has_sample(const Outcome& o, std::string_view needle) {
  for (const auto& s : o.samples) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A request of every metric type, with a resource and a scope.
RequestBuilder every_type() {
  RequestBuilder b({{"service.name", "shop"}, {"host.name", "web-1"}}, "lib", "1.0");
  b.gauge("system.cpu.load_average.1m", "{thread}", {}, 0.5);
  b.sum("system.cpu.time", "s", {{"cpu", "0"}, {"state", "user"}}, 12.5);
  b.sum("requests", "{request}", {{"code", "200"}}, 3, true, true);
  b.histogram("latency", "s", {{"route", "/a"}}, {0.1, 1}, {1, 2, 3}, 4.5, true);
  b.summary("rpc", "ms", {}, {{0.5, 1}, {0.9, 2}}, 10, 20);
  auto* e = b.metric("queue", "s")->mutable_exponential_histogram();
  auto* p = e->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_scale(1);
  p->mutable_positive()->add_bucket_counts(2);
  p->set_count(2);
  return b;
}

// ExportMetricsServiceRequest{resource_metrics: <resource_metrics>}.
std::string request_of(std::string_view resource_metrics) { return len_field(1, resource_metrics); }

// The one ResourceMetrics of a builder's request, serialized.
std::string resource_metrics_of(RequestBuilder& b) {
  return b.request().resource_metrics(0).SerializeAsString();
}

TEST(TranslationWire, CanonicalBytesAreReadDirectly) {
  const OtlpRequestCheck check;
  EXPECT_EQ(check.check(every_type().bytes()), OtlpRequestCheck::Verdict::kDirect);
  EXPECT_EQ(check.check(""), OtlpRequestCheck::Verdict::kDirect);
  const Outcome o = translate_bytes(every_type().bytes());
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(has_sample(o, R"(node_cpu_seconds_total{cpu="0",job="shop",mode="user"} 12.5)"));
  EXPECT_TRUE(has_sample(o, "latency_seconds_bucket{"));
  EXPECT_TRUE(has_sample(o, "queue_seconds_count{"));
  EXPECT_TRUE(has_sample(o, "rpc_milliseconds{"));
  EXPECT_TRUE(has_sample(o, R"(target_info{host_name="web-1",job="shop"} 1)"));
  EXPECT_EQ(o.stats.dropped(), 0u);
}

TEST(TranslationWire, RepeatedResourcesAreMergedAsTheParserDoes) {
  RequestBuilder first(Attrs{{"service.name", "shop"}});
  RequestBuilder second(Attrs{{"service.instance.id", "i-1"}, {"zone", "a"}});
  second.gauge("temperature", "Cel", {}, 21);
  pb_metrics::ResourceMetrics resource_only;
  *resource_only.mutable_resource() = first.request().resource_metrics(0).resource();
  // resource, scope_metrics, resource: one ResourceMetrics whose resource is both merged.
  const std::string bytes =
      request_of(resource_only.SerializeAsString() + resource_metrics_of(second));
  EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kParse);
  const Outcome o = translate_bytes(bytes);
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(has_sample(o, R"(temperature_celsius{instance="i-1",job="shop"} 21)"));
  EXPECT_TRUE(has_sample(o, R"(target_info{instance="i-1",job="shop",zone="a"} 1)"));
  expect_as_parsed(bytes);
}

TEST(TranslationWire, FieldsInAnyOrder) {
  RequestBuilder b({{"service.name", "shop"}}, "lib", "2.0");
  b.sum("requests", "{request}", {{"code", "200"}}, 3);
  const auto& rm = b.request().resource_metrics(0);
  pb_metrics::ResourceMetrics resource_part;
  *resource_part.mutable_resource() = rm.resource();
  pb_metrics::ResourceMetrics scopes_part;
  *scopes_part.mutable_scope_metrics() = rm.scope_metrics();
  // The scope after its metrics, the resource after its scopes, a metric's name after its data.
  const auto& sm = rm.scope_metrics(0);
  pb_metrics::Metric data_part = sm.metrics(0);
  data_part.clear_name();
  const std::string metric = data_part.SerializeAsString() + len_field(1, "requests");
  const std::string scope_metrics =
      len_field(2, metric) + len_field(1, sm.scope().SerializeAsString());
  const std::string bytes =
      request_of(len_field(2, scope_metrics) + resource_part.SerializeAsString());
  EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kDirect);
  const Outcome o = translate_bytes(bytes);
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(has_sample(
      o,
      R"(requests_total{code="200",job="shop",otel_scope_name="lib",otel_scope_version="2.0"} 3)"));
  expect_as_parsed(bytes);
}

TEST(TranslationWire, OneofSwitchesAndRepeatedScalarsKeepTheLast) {
  RequestBuilder b;
  b.gauge("dropped.gauge", "", {{"a", "1"}}, 1);
  b.sum("kept.sum", "", {{"b", "2"}}, 2, false);
  const auto& metrics = b.request().resource_metrics(0).scope_metrics(0).metrics();
  pb_metrics::Metric gauge_part;
  *gauge_part.mutable_gauge() = metrics[0].gauge();
  // gauge, then sum, then a second name: the parsed metric is the sum, named "final".
  const std::string metric =
      gauge_part.SerializeAsString() + metrics[1].SerializeAsString() + len_field(1, "final");
  const std::string bytes = request_of(len_field(2, len_field(2, metric)));
  EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kDirect);
  const Outcome o = translate_bytes(bytes);
  ASSERT_TRUE(o.ok);
  ASSERT_EQ(o.samples.size(), 1u);
  EXPECT_TRUE(has_sample(o, R"(final{b="2"} 2)"));
  expect_as_parsed(bytes);
}

TEST(TranslationWire, RepeatedDataMessagesAreMerged) {
  RequestBuilder b;
  b.sum("hits", "", {{"n", "1"}}, 1, true, false);
  b.sum("hits", "", {{"n", "2"}}, 2, true, false);
  const auto& metrics = b.request().resource_metrics(0).scope_metrics(0).metrics();
  // One metric with two `sum` fields: the parser merges their points.
  const std::string bytes = request_of(
      len_field(2, len_field(2, metrics[0].SerializeAsString() + metrics[1].SerializeAsString())));
  EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kParse);
  const Outcome o = translate_bytes(bytes);
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.samples.size(), 2u);
  EXPECT_TRUE(has_sample(o, R"(hits_total{n="1"} 1)"));
  EXPECT_TRUE(has_sample(o, R"(hits_total{n="2"} 2)"));
  expect_as_parsed(bytes);
}

TEST(TranslationWire, UnknownFieldsAndWrongWireTypesAreSkipped) {
  RequestBuilder b(Attrs{{"service.name", "shop"}});
  b.gauge("temperature", "Cel", {{"room", "a"}}, 21);
  b.gauge("pressure", "", {{"room", "a"}}, 1);
  pb_collector::ExportMetricsServiceRequest& r = b.request();
  // Unknown fields at every level, and `name` of the second metric sent as a varint (an
  // unknown field to the parser: that metric has no name and its point is dropped).
  const std::string unknown = varint_field(99, 1) + len_field(98, "x");
  // Merging bytes into a message keeps their unknown fields, which it serializes again.
  auto* sm = r.mutable_resource_metrics(0)->mutable_scope_metrics(0);
  ASSERT_TRUE(
      sm->mutable_metrics(0)->mutable_gauge()->mutable_data_points(0)->MergeFromString(unknown));
  ASSERT_TRUE(sm->mutable_metrics(0)->MergeFromString(unknown));
  sm->mutable_metrics(1)->clear_name();
  ASSERT_TRUE(sm->mutable_metrics(1)->MergeFromString(varint_field(1, 5)));
  ASSERT_TRUE(sm->MergeFromString(unknown));
  ASSERT_TRUE(r.MergeFromString(unknown));
  const std::string bytes = r.SerializeAsString();
  EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kDirect);
  const Outcome o = translate_bytes(bytes);
  ASSERT_TRUE(o.ok);
  EXPECT_TRUE(has_sample(o, R"(temperature_celsius{job="shop",room="a"} 21)"));
  EXPECT_EQ(o.stats.dropped_invalid, 1u);
  expect_as_parsed(bytes);

  // A group is an unknown field the parser keeps; the check leaves it to the parser.
  const std::string grouped = bytes + group_field(97, varint_field(1, 1));
  EXPECT_EQ(OtlpRequestCheck().check(grouped), OtlpRequestCheck::Verdict::kParse);
  expect_as_parsed(grouped);
}

TEST(TranslationWire, WhatTheParserRejectsIsAnError) {
  const google::protobuf::LogSilencer quiet;  // the parser logs invalid UTF-8
  const std::string good = every_type().bytes();
  RequestBuilder bad_utf8;
  bad_utf8.gauge("g", "", {{"k", std::string("\xc3\x28", 2)}}, 1);
  const std::vector<std::string> rejected = {
      good.substr(0, good.size() - 1),                      // truncated
      good + std::string(1, '\0'),                          // a zero tag
      bad_utf8.bytes(),                                     // invalid UTF-8 in a string field
      len_field(1, varint_field(2, 1).substr(0, 1)),        // a field cut off inside its message
      request_of(len_field(1, len_field(1, "\x0a\x05x"))),  // a length past its message
      group_field(5, "") + "\x2c",                          // an end-group tag for another group
  };
  for (const std::string& bytes : rejected) {
    ASSERT_FALSE(parses(bytes));
    EXPECT_EQ(OtlpRequestCheck().check(bytes), OtlpRequestCheck::Verdict::kParse);
    testing::RecordingSink sink;
    Translator translator({});
    EXPECT_FALSE(translator.translate(bytes, sink));
    EXPECT_TRUE(sink.samples.empty());
  }
}

// Standard names are remembered per name, unit and type: metrics that share a name but not a
// unit or type, or whose name and unit only differ in where a byte sits, keep their own names.
TEST(TranslationWire, RememberedNamesKeepNameUnitAndTypeApart) {
  Translator translator(testing::plain_options());
  for (int round = 0; round < 2; ++round) {
    RequestBuilder b;
    b.gauge("c", std::string("a\0b", 3), {}, 1);
    b.gauge(std::string("b\0c", 3), "a", {}, 2);
    b.gauge("size", "By", {}, 3);
    b.gauge("size", "s", {}, 4);
    b.sum("size", "s", {}, 5);
    b.gauge("ratio", "1", {}, 6);
    b.sum("ratio", "1", {}, 7, false);
    const testing::RecordingSink sink = testing::translate(translator, b);
    EXPECT_EQ(sink.lines(),
              (std::vector<std::string>{"c_a_b 1", "b_c_a 2", "size_bytes 3", "size_seconds 4",
                                        "size_seconds_total 5", "ratio 6", "ratio 7"}))
        << "round " << round;
  }
}

// Every truncation and many one-byte changes of a request: the translation fails exactly when
// the parser does, the check never vouches for bytes the parser rejects, and what translates
// gives the parsed message's samples.
TEST(TranslationWire, MutationsAgreeWithTheParser) {
  const google::protobuf::LogSilencer quiet;
  const std::string good = every_type().bytes();
  const OtlpRequestCheck check;
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  auto verify = [&](const std::string& bytes) {
    const bool parser_ok = parses(bytes);
    if (check.check(bytes) == OtlpRequestCheck::Verdict::kDirect) {
      ASSERT_TRUE(parser_ok) << "the check vouched for bytes the parser rejects";
    }
    const Outcome direct = translate_bytes(bytes);
    ASSERT_EQ(direct.ok, parser_ok);
    if (!parser_ok) {
      ++rejected;
      return;
    }
    ++accepted;
    const Outcome reference = translate_bytes(canonical(bytes));
    ASSERT_EQ(direct.samples, reference.samples);
  };
  for (std::size_t cut = 0; cut < good.size(); ++cut) verify(good.substr(0, cut));
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const unsigned char flip : {0x01, 0x02, 0x08, 0x80, 0xff}) {
      std::string bytes = good;
      bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ flip);
      verify(bytes);
    }
  }
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(rejected, 100u);
}

}  // namespace
}  // namespace vigil::exporters::prometheus
