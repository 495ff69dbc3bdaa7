#include <limits>
#include <string>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "agent/otlp/otlp_json.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;

std::string to_json(const google::protobuf::Message& msg) {
  std::string out;
  append_otlp_json(msg, out);
  return out;
}

TEST(OtlpJsonMetrics, GaugeOfIntegers) {
  metrics::Metric metric;
  metric.set_name("system.memory.usage");
  metric.set_description("Bytes of memory in use.");
  metric.set_unit("By");
  auto* point = metric.mutable_gauge()->add_data_points();
  add_string(*point->mutable_attributes(), "state", "used");
  point->set_time_unix_nano(1700000000000000000u);
  point->set_as_int(1024);
  point = metric.mutable_gauge()->add_data_points();
  point->set_time_unix_nano(1700000000000000000u);
  point->set_as_int(0);  // a oneof member at its default still appears
  point = metric.mutable_gauge()->add_data_points();
  point->set_as_int(std::numeric_limits<std::int64_t>::min());

  EXPECT_EQ(
      to_json(metric),
      R"({"name":"system.memory.usage","description":"Bytes of memory in use.","unit":"By",)"
      R"("gauge":{"dataPoints":[{"attributes":[{"key":"state","value":{"stringValue":"used"}}],)"
      R"("timeUnixNano":"1700000000000000000","asInt":"1024"},)"
      R"({"timeUnixNano":"1700000000000000000","asInt":"0"},)"
      R"({"asInt":"-9223372036854775808"}]}})");
}

TEST(OtlpJsonMetrics, GaugeOfDoublesWithExemplarFlagsAndMetadata) {
  metrics::Metric metric;
  metric.set_name("load");
  auto* point = metric.mutable_gauge()->add_data_points();
  point->set_time_unix_nano(5);
  point->set_as_double(0);
  auto* exemplar = point->add_exemplars();
  add_string(*exemplar->mutable_filtered_attributes(), "k", "v");
  exemplar->set_time_unix_nano(4);
  exemplar->set_as_double(2.5);
  exemplar->set_span_id(bytes_from_hex(kSpanIdHex));
  exemplar->set_trace_id(bytes_from_hex(kTraceIdHex));
  point->add_exemplars()->set_as_int(3);
  point->set_flags(metrics::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
  point = metric.mutable_gauge()->add_data_points();
  point->set_time_unix_nano(5);
  point->set_as_double(-0.25);
  add_string(*metric.mutable_metadata(), "m", "1");

  EXPECT_EQ(to_json(metric),
            R"({"name":"load","gauge":{"dataPoints":[{"timeUnixNano":"5","asDouble":0,)"
            R"("exemplars":[{"filteredAttributes":[{"key":"k","value":{"stringValue":"v"}}],)"
            R"("timeUnixNano":"4","asDouble":2.5,"spanId":"eee19b7ec3c1b174",)"
            R"("traceId":"5b8efff798038103d269b633813fc60c"},{"asInt":"3"}],"flags":1},)"
            R"({"timeUnixNano":"5","asDouble":-0.25}]},)"
            R"("metadata":[{"key":"m","value":{"stringValue":"1"}}]})");
}

TEST(OtlpJsonMetrics, SumWithTemporalityAndMonotonicity) {
  metrics::Metric metric;
  metric.set_name("system.cpu.time");
  metric.set_unit("s");
  auto* sum = metric.mutable_sum();
  auto* point = sum->add_data_points();
  add_string(*point->mutable_attributes(), "cpu", "0");
  add_string(*point->mutable_attributes(), "state", "user");
  point->set_start_time_unix_nano(1);
  point->set_time_unix_nano(2);
  point->set_as_double(123.5);
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->set_is_monotonic(true);
  EXPECT_EQ(
      to_json(metric),
      R"({"name":"system.cpu.time","unit":"s","sum":{"dataPoints":[{"attributes":[)"
      R"({"key":"cpu","value":{"stringValue":"0"}},{"key":"state","value":{"stringValue":"user"}}],)"
      R"("startTimeUnixNano":"1","timeUnixNano":"2","asDouble":123.5}],)"
      R"("aggregationTemporality":2,"isMonotonic":true}})");

  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  sum->set_is_monotonic(false);
  sum->mutable_data_points(0)->set_as_int(-7);
  sum->mutable_data_points(0)->clear_attributes();
  EXPECT_EQ(
      to_json(metric),
      R"({"name":"system.cpu.time","unit":"s","sum":{"dataPoints":[)"
      R"({"startTimeUnixNano":"1","timeUnixNano":"2","asInt":"-7"}],"aggregationTemporality":1}})");
}

TEST(OtlpJsonMetrics, HistogramWithOptionalSumMinMax) {
  metrics::Metric metric;
  metric.set_name("http.server.duration");
  metric.set_unit("s");
  auto* histogram = metric.mutable_histogram();
  auto* point = histogram->add_data_points();
  point->set_start_time_unix_nano(1);
  point->set_time_unix_nano(2);
  point->set_count(6);
  point->set_sum(0);  // optional: set, so it appears although 0
  point->add_bucket_counts(1);
  point->add_bucket_counts(2);
  point->add_bucket_counts(3);
  point->add_explicit_bounds(0.5);
  point->add_explicit_bounds(1);
  point->set_min(0);
  point->set_max(7.25);
  point = histogram->add_data_points();  // no sum, min or max recorded
  point->set_time_unix_nano(2);
  histogram->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);

  EXPECT_EQ(to_json(metric),
            R"({"name":"http.server.duration","unit":"s","histogram":{"dataPoints":[)"
            R"({"startTimeUnixNano":"1","timeUnixNano":"2","count":"6","sum":0,)"
            R"("bucketCounts":["1","2","3"],"explicitBounds":[0.5,1],"min":0,"max":7.25},)"
            R"({"timeUnixNano":"2"}],"aggregationTemporality":1}})");
}

TEST(OtlpJsonMetrics, ExponentialHistogramWithPositiveNegativeAndNegativeOffset) {
  metrics::Metric metric;
  metric.set_name("latency");
  auto* histogram = metric.mutable_exponential_histogram();
  auto* point = histogram->add_data_points();
  point->set_time_unix_nano(2);
  point->set_count(10);
  point->set_sum(-3.5);
  point->set_scale(-2);
  point->set_zero_count(1);
  point->mutable_positive()->set_offset(-3);
  point->mutable_positive()->add_bucket_counts(4);
  point->mutable_positive()->add_bucket_counts(0);
  point->mutable_positive()->add_bucket_counts(2);
  point->mutable_negative()->add_bucket_counts(3);
  point->set_min(-2);
  point->set_max(8);
  point->set_zero_threshold(1e-9);
  histogram->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);

  EXPECT_EQ(to_json(metric),
            R"({"name":"latency","exponentialHistogram":{"dataPoints":[{"timeUnixNano":"2",)"
            R"("count":"10","sum":-3.5,"scale":-2,"zeroCount":"1",)"
            R"("positive":{"offset":-3,"bucketCounts":["4","0","2"]},)"
            R"("negative":{"bucketCounts":["3"]},"min":-2,"max":8,"zeroThreshold":1e-09}],)"
            R"("aggregationTemporality":2}})");
}

TEST(OtlpJsonMetrics, Summary) {
  metrics::Metric metric;
  metric.set_name("rpc.duration");
  auto* point = metric.mutable_summary()->add_data_points();
  point->set_time_unix_nano(2);
  point->set_count(4);
  point->set_sum(10.5);
  auto* q = point->add_quantile_values();
  q->set_quantile(0);
  q->set_value(1);
  q = point->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(2.5);
  q = point->add_quantile_values();
  q->set_quantile(1);
  q->set_value(4);

  EXPECT_EQ(to_json(metric),
            R"({"name":"rpc.duration","summary":{"dataPoints":[{"timeUnixNano":"2","count":"4",)"
            R"("sum":10.5,"quantileValues":[{"value":1},{"quantile":0.5,"value":2.5},)"
            R"({"quantile":1,"value":4}]}]}})");
}

TEST(OtlpJsonMetrics, SpecialDoublesInPointsAndRepeatedFields) {
  metrics::Metric metric;
  auto* gauge = metric.mutable_gauge();
  gauge->add_data_points()->set_as_double(std::numeric_limits<double>::quiet_NaN());
  gauge->add_data_points()->set_as_double(std::numeric_limits<double>::infinity());
  gauge->add_data_points()->set_as_double(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(to_json(metric),
            R"({"gauge":{"dataPoints":[{"asDouble":"NaN"},{"asDouble":"Infinity"},)"
            R"({"asDouble":"-Infinity"}]}})");

  metrics::HistogramDataPoint point;
  point.add_explicit_bounds(-std::numeric_limits<double>::infinity());
  point.add_explicit_bounds(1e300);
  point.set_max(std::numeric_limits<double>::infinity());
  EXPECT_EQ(to_json(point), R"({"explicitBounds":["-Infinity",1e+300],"max":"Infinity"})");
}

TEST(OtlpJsonMetrics, RequestWithResourceAndScope) {
  ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  add_string(*rm->mutable_resource()->mutable_attributes(), "host.name", "h");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("host");
  sm->set_schema_url("s");
  auto* metric = sm->add_metrics();
  metric->set_name("up");
  metric->mutable_gauge()->add_data_points()->set_as_int(1);
  EXPECT_EQ(
      to_json(request),
      R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"h"}}]},)"
      R"("scopeMetrics":[{"scope":{"name":"host"},"metrics":[{"name":"up","gauge":{"dataPoints":[)"
      R"({"asInt":"1"}]}}],"schemaUrl":"s"}]}]})");
}

// protobuf's JSON parser shares no code with our encoder; it reads the OTLP-specific forms we
// write (integer enums, quoted 64-bit integers, "NaN") back into the same message. Ids are left
// out: protobuf would read their hex as base64.
TEST(OtlpJsonMetrics, ProtobufsJsonParserReadsEveryMetricTypeBack) {
  ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  add_string(*rm->mutable_resource()->mutable_attributes(), "host.name", "h\xc3\xa9\n");
  rm->set_schema_url("u");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("host");
  auto* gauge = sm->add_metrics();
  gauge->set_name("g");
  gauge->mutable_gauge()->add_data_points()->set_as_int(-9007199254740993);
  gauge->mutable_gauge()->add_data_points()->set_as_double(std::numeric_limits<double>::infinity());
  auto* sum = sm->add_metrics();
  sum->set_name("s");
  sum->mutable_sum()->set_is_monotonic(true);
  sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* number = sum->mutable_sum()->add_data_points();
  number->set_start_time_unix_nano(18446744073709551615u);
  number->set_as_double(0.1);
  number->add_exemplars()->set_as_int(4);
  auto* histogram = sm->add_metrics()->mutable_histogram();
  auto* hp = histogram->add_data_points();
  hp->set_count(3);
  hp->set_sum(0);
  hp->add_bucket_counts(3);
  hp->add_bucket_counts(0);
  hp->add_explicit_bounds(2.5);
  hp->set_min(-1);
  auto* exponential = sm->add_metrics()->mutable_exponential_histogram();
  auto* ep = exponential->add_data_points();
  ep->set_scale(-4);
  ep->mutable_negative()->set_offset(-7);
  ep->mutable_negative()->add_bucket_counts(1);
  ep->set_zero_threshold(std::numeric_limits<double>::quiet_NaN());
  auto* summary = sm->add_metrics()->mutable_summary();
  auto* qp = summary->add_data_points()->add_quantile_values();
  qp->set_quantile(0.99);
  qp->set_value(-std::numeric_limits<double>::infinity());

  const std::string json = to_json(request);
  ExportMetricsServiceRequest parsed;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  ASSERT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_float_comparison(google::protobuf::util::MessageDifferencer::EXACT);
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  // NaN never equals itself: check its text, then take it out of the comparison.
  EXPECT_NE(json.find(R"("zeroThreshold":"NaN")"), std::string::npos) << json;
  ep->set_zero_threshold(0);
  parsed.mutable_resource_metrics(0)
      ->mutable_scope_metrics(0)
      ->mutable_metrics(3)
      ->mutable_exponential_histogram()
      ->mutable_data_points(0)
      ->set_zero_threshold(0);
  EXPECT_TRUE(differencer.Compare(request, parsed)) << diff << "\n" << json;
}

}  // namespace
}  // namespace vigil::otlp
