// Every field of every OTLP signal decoded from hand-written OTLP/JSON, and the encoder's
// output (append_otlp_json) decoding back to the identical message.
#include <cmath>
#include <limits>
#include <string>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "agent/otlp/otlp_json.h"
#include "agent/otlp/otlp_json_decode.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
namespace logs = opentelemetry::proto::logs::v1;
namespace metrics = opentelemetry::proto::metrics::v1;
namespace trace = opentelemetry::proto::trace::v1;
using google::protobuf::util::MessageDifferencer;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// Decodes `json` into a fresh message of `expected`'s type and checks it equals `expected`.
void expect_decodes_to(std::string_view json, const google::protobuf::Message& expected) {
  std::unique_ptr<google::protobuf::Message> decoded(expected.New());
  const auto parsed = parse_otlp_json(json, *decoded);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(MessageDifferencer::Equals(*decoded, expected))
      << "decoded:  " << decoded->ShortDebugString()
      << "\nexpected: " << expected.ShortDebugString();
}

// append_otlp_json, then parse_otlp_json: the same serialized bytes.
void expect_round_trip(const google::protobuf::Message& msg) {
  std::string json;
  append_otlp_json(msg, json);
  std::unique_ptr<google::protobuf::Message> decoded(msg.New());
  const auto parsed = parse_otlp_json(json, *decoded);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << json;
  EXPECT_EQ(decoded->SerializeAsString(), msg.SerializeAsString())
      << json << "\ndecoded:  " << decoded->ShortDebugString()
      << "\noriginal: " << msg.ShortDebugString();
}

void add_every_value_type(google::protobuf::RepeatedPtrField<common::KeyValue>& attrs) {
  add_string(attrs, "str", "v \"quoted\" \u00e9 \U0001F600 \n");
  auto* kv = attrs.Add();
  kv->set_key("bool");
  kv->mutable_value()->set_bool_value(false);  // a oneof member: present although false
  kv = attrs.Add();
  kv->set_key("int");
  kv->mutable_value()->set_int_value(std::numeric_limits<std::int64_t>::min());
  kv = attrs.Add();
  kv->set_key("double");
  kv->mutable_value()->set_double_value(0.1);
  kv = attrs.Add();
  kv->set_key("bytes");
  kv->mutable_value()->set_bytes_value(std::string("\x00\x01\xfe\xff\x80", 5));
  kv = attrs.Add();
  kv->set_key("array");
  auto* array = kv->mutable_value()->mutable_array_value();
  array->add_values()->set_string_value("a");
  array->add_values()->set_int_value(0);
  array->add_values()->mutable_array_value()->add_values()->set_bool_value(true);
  array->add_values();  // an AnyValue with nothing set
  kv = attrs.Add();
  kv->set_key("kvlist");
  auto* inner = kv->mutable_value()->mutable_kvlist_value()->add_values();
  inner->set_key("traceId");  // an attribute key, not an id
  inner->mutable_value()->set_string_value("5b8efff798038103d269b633813fc60c");
  kv->mutable_value()->mutable_kvlist_value()->add_values()->set_key("empty");
  kv = attrs.Add();
  kv->set_key("empty_array");
  kv->mutable_value()->mutable_array_value();
}

void set_resource_and_scope(opentelemetry::proto::resource::v1::Resource& resource,
                            common::InstrumentationScope& scope) {
  add_string(*resource.mutable_attributes(), "service.name", "checkout");
  add_every_value_type(*resource.mutable_attributes());
  resource.set_dropped_attributes_count(1);
  scope.set_name("io.opentelemetry.http");
  scope.set_version("1.2.3");
  add_string(*scope.mutable_attributes(), "scope.attr", "x");
  scope.set_dropped_attributes_count(2);
}

ExportTraceServiceRequest rich_trace_request() {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* ss = rs->add_scope_spans();
  set_resource_and_scope(*rs->mutable_resource(), *ss->mutable_scope());
  ss->set_schema_url("https://opentelemetry.io/schemas/1.20.0");
  for (int kind = 0; kind <= 5; ++kind) {
    auto* span = ss->add_spans();
    span->set_trace_id(bytes_from_hex(kTraceIdHex));
    span->set_span_id(bytes_from_hex(kSpanIdHex));
    span->set_trace_state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    span->set_parent_span_id(bytes_from_hex("00f067aa0ba902b7"));
    span->set_flags(0x301);
    span->set_name("span " + std::to_string(kind));
    span->set_kind(static_cast<trace::Span::SpanKind>(kind));
    span->set_start_time_unix_nano(1700000000000000000u + kind);
    span->set_end_time_unix_nano(std::numeric_limits<std::uint64_t>::max());
    add_every_value_type(*span->mutable_attributes());
    span->set_dropped_attributes_count(3);
    auto* event = span->add_events();
    event->set_time_unix_nano(1700000000100000000u);
    event->set_name("exception");
    add_string(*event->mutable_attributes(), "exception.message", "boom");
    event->set_dropped_attributes_count(4);
    span->add_events()->set_name("bare");
    span->set_dropped_events_count(5);
    auto* link = span->add_links();
    link->set_trace_id(bytes_from_hex("0af7651916cd43dd8448eb211c80319c"));
    link->set_span_id(bytes_from_hex("b7ad6b7169203331"));
    link->set_trace_state("x=y");
    add_string(*link->mutable_attributes(), "link.attr", "l");
    link->set_dropped_attributes_count(6);
    link->set_flags(0x100);
    span->set_dropped_links_count(7);
    span->mutable_status()->set_message(kind % 2 ? "failed" : "");
    span->mutable_status()->set_code(static_cast<trace::Status::StatusCode>(kind % 3));
  }
  ss->add_spans()->set_name("minimal");  // no ids, no status
  request.add_resource_spans()->add_scope_spans()->add_spans()->set_name("other resource");
  return request;
}

ExportLogsServiceRequest rich_logs_request() {
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  rl->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* sl = rl->add_scope_logs();
  set_resource_and_scope(*rl->mutable_resource(), *sl->mutable_scope());
  sl->set_schema_url("s");
  for (int severity = 0; severity <= 24; ++severity) {
    auto* record = sl->add_log_records();
    record->set_time_unix_nano(1700000000000000000u + severity);
    record->set_observed_time_unix_nano(1700000000000000001u);
    record->set_severity_number(static_cast<logs::SeverityNumber>(severity));
    record->set_severity_text(severity >= 17 ? "ERROR" : "INFO");
    add_every_value_type(*record->mutable_attributes());
    record->set_dropped_attributes_count(2);
    record->set_flags(1);
    if (severity % 2) {
      record->set_trace_id(bytes_from_hex(kTraceIdHex));
      record->set_span_id(bytes_from_hex(kSpanIdHex));
    }
    record->set_event_name(severity == 3 ? "browser.click" : "");
    // Bodies of every type, in turn.
    google::protobuf::RepeatedPtrField<common::KeyValue> values;
    add_every_value_type(values);
    *record->mutable_body() = values[severity % values.size()].value();
  }
  return request;
}

ExportMetricsServiceRequest rich_metrics_request() {
  ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  rm->set_schema_url("r");
  auto* sm = rm->add_scope_metrics();
  set_resource_and_scope(*rm->mutable_resource(), *sm->mutable_scope());
  sm->set_schema_url("s");

  auto add_exemplars = [](auto& point) {
    auto* exemplar = point.add_exemplars();
    add_string(*exemplar->mutable_filtered_attributes(), "user", "u1");
    exemplar->set_time_unix_nano(1700000000000000007u);
    exemplar->set_as_double(0.25);
    exemplar->set_span_id(bytes_from_hex(kSpanIdHex));
    exemplar->set_trace_id(bytes_from_hex(kTraceIdHex));
    point.add_exemplars()->set_as_int(-3);
  };

  auto* gauge = sm->add_metrics();
  gauge->set_name("system.memory.usage");
  gauge->set_description("Bytes of memory in use.");
  gauge->set_unit("By");
  add_string(*gauge->mutable_metadata(), "meta", "m");
  auto* gp = gauge->mutable_gauge()->add_data_points();
  add_string(*gp->mutable_attributes(), "state", "used");
  gp->set_start_time_unix_nano(1);
  gp->set_time_unix_nano(2);
  gp->set_as_int(std::numeric_limits<std::int64_t>::max());
  gp->set_flags(1);
  add_exemplars(*gp);
  gauge->mutable_gauge()->add_data_points()->set_as_double(0);  // present although 0
  gauge->mutable_gauge()->add_data_points()->set_as_double(
      -std::numeric_limits<double>::infinity());
  gauge->mutable_gauge()->add_data_points()->set_as_double(5e-324);

  auto* sum = sm->add_metrics();
  sum->set_name("system.cpu.time");
  sum->set_unit("s");
  auto* sp = sum->mutable_sum()->add_data_points();
  sp->set_as_double(123.456);
  sp->set_time_unix_nano(2);
  add_exemplars(*sp);
  sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->mutable_sum()->set_is_monotonic(true);

  auto* histogram = sm->add_metrics();
  histogram->set_name("http.server.duration");
  auto* hp = histogram->mutable_histogram()->add_data_points();
  add_string(*hp->mutable_attributes(), "route", "/");
  hp->set_start_time_unix_nano(1);
  hp->set_time_unix_nano(2);
  hp->set_count(6);
  hp->set_sum(0);
  for (std::uint64_t c : {1u, 2u, 3u}) hp->add_bucket_counts(c);
  hp->add_explicit_bounds(-0.5);
  hp->add_explicit_bounds(1e300);
  add_exemplars(*hp);
  hp->set_flags(1);
  hp->set_min(0);
  hp->set_max(7.25);
  histogram->mutable_histogram()->add_data_points();  // no sum, min or max
  histogram->mutable_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_DELTA);

  auto* exponential = sm->add_metrics();
  exponential->set_name("latency");
  auto* ep = exponential->mutable_exponential_histogram()->add_data_points();
  add_string(*ep->mutable_attributes(), "a", "b");
  ep->set_start_time_unix_nano(1);
  ep->set_time_unix_nano(2);
  ep->set_count(10);
  ep->set_sum(-3.5);
  ep->set_scale(-2);
  ep->set_zero_count(1);
  ep->mutable_positive()->set_offset(-3);
  for (std::uint64_t c : {4u, 0u, 2u}) ep->mutable_positive()->add_bucket_counts(c);
  ep->mutable_negative()->add_bucket_counts(std::numeric_limits<std::uint64_t>::max());
  ep->set_flags(1);
  add_exemplars(*ep);
  ep->set_min(-2);
  ep->set_max(8);
  ep->set_zero_threshold(1e-9);
  exponential->mutable_exponential_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);

  auto* summary = sm->add_metrics();
  summary->set_name("rpc.duration");
  auto* qp = summary->mutable_summary()->add_data_points();
  add_string(*qp->mutable_attributes(), "rpc", "get");
  qp->set_start_time_unix_nano(1);
  qp->set_time_unix_nano(2);
  qp->set_count(4);
  qp->set_sum(10.5);
  auto* q = qp->add_quantile_values();
  q->set_quantile(0);
  q->set_value(1);
  q = qp->add_quantile_values();
  q->set_quantile(0.99);
  q->set_value(std::numeric_limits<double>::quiet_NaN());
  qp->set_flags(1);

  sm->add_metrics()->set_name("no data");
  return request;
}

TEST(OtlpJsonDecodeFields, SpanLinkEventStatusEveryField) {
  trace::Span span;
  span.set_trace_id(bytes_from_hex(kTraceIdHex));
  span.set_span_id(bytes_from_hex(kSpanIdHex));
  span.set_trace_state("rojo=00f067aa0ba902b7");
  span.set_parent_span_id(bytes_from_hex("0102030405060708"));
  span.set_flags(0x301);
  span.set_name("GET /api");
  span.set_kind(trace::Span::SPAN_KIND_CONSUMER);
  span.set_start_time_unix_nano(1700000000000000000u);
  span.set_end_time_unix_nano(1700000000500000000u);
  add_string(*span.mutable_attributes(), "http.method", "GET");
  span.set_dropped_attributes_count(3);
  auto* event = span.add_events();
  event->set_time_unix_nano(1700000000100000000u);
  event->set_name("ev");
  add_string(*event->mutable_attributes(), "e", "1");
  event->set_dropped_attributes_count(1);
  span.set_dropped_events_count(2);
  auto* link = span.add_links();
  link->set_trace_id(bytes_from_hex("0af7651916cd43dd8448eb211c80319c"));
  link->set_span_id(bytes_from_hex("b7ad6b7169203331"));
  link->set_trace_state("x=y");
  add_string(*link->mutable_attributes(), "l", "2");
  link->set_dropped_attributes_count(4);
  link->set_flags(0x100);
  span.set_dropped_links_count(5);
  span.mutable_status()->set_message("bad");
  span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);

  expect_decodes_to(
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("traceState":"rojo=00f067aa0ba902b7","parentSpanId":"0102030405060708","flags":769,)"
      R"("name":"GET /api","kind":5,"startTimeUnixNano":"1700000000000000000",)"
      R"("endTimeUnixNano":"1700000000500000000",)"
      R"("attributes":[{"key":"http.method","value":{"stringValue":"GET"}}],)"
      R"("droppedAttributesCount":3,"events":[{"timeUnixNano":"1700000000100000000","name":"ev",)"
      R"("attributes":[{"key":"e","value":{"stringValue":"1"}}],"droppedAttributesCount":1}],)"
      R"("droppedEventsCount":2,"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c",)"
      R"("spanId":"b7ad6b7169203331","traceState":"x=y",)"
      R"("attributes":[{"key":"l","value":{"stringValue":"2"}}],"droppedAttributesCount":4,)"
      R"("flags":256}],"droppedLinksCount":5,"status":{"message":"bad","code":2}})",
      span);
}

TEST(OtlpJsonDecodeFields, LogRecordEveryFieldAndEveryBodyType) {
  logs::LogRecord record;
  record.set_time_unix_nano(1700000000000000000u);
  record.set_observed_time_unix_nano(1700000000000000001u);
  record.set_severity_number(logs::SEVERITY_NUMBER_WARN2);
  record.set_severity_text("WARN");
  record.mutable_body()->set_string_value("disk almost full");
  add_string(*record.mutable_attributes(), "k", "v");
  record.set_dropped_attributes_count(1);
  record.set_flags(1);
  record.set_trace_id(bytes_from_hex(kTraceIdHex));
  record.set_span_id(bytes_from_hex(kSpanIdHex));
  record.set_event_name("device.app.lifecycle");
  expect_decodes_to(
      R"({"timeUnixNano":"1700000000000000000","observedTimeUnixNano":"1700000000000000001",)"
      R"("severityNumber":14,"severityText":"WARN","body":{"stringValue":"disk almost full"},)"
      R"("attributes":[{"key":"k","value":{"stringValue":"v"}}],"droppedAttributesCount":1,)"
      R"("flags":1,"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("eventName":"device.app.lifecycle"})",
      record);

  common::AnyValue body;
  body.set_bool_value(false);
  expect_decodes_to(R"({"boolValue":false})", body);
  body.set_int_value(-42);
  expect_decodes_to(R"({"intValue":"-42"})", body);
  body.set_double_value(-0.5);
  expect_decodes_to(R"({"doubleValue":-0.5})", body);
  body.set_bytes_value("\xde\xad");
  expect_decodes_to(R"({"bytesValue":"3q0="})", body);
  body.mutable_array_value()->add_values()->set_string_value("x");
  body.mutable_array_value()->add_values()->set_int_value(1);
  expect_decodes_to(R"({"arrayValue":{"values":[{"stringValue":"x"},{"intValue":1}]}})", body);
  add_string(*body.mutable_kvlist_value()->mutable_values(), "a", "b");
  expect_decodes_to(R"({"kvlistValue":{"values":[{"key":"a","value":{"stringValue":"b"}}]}})",
                    body);
}

TEST(OtlpJsonDecodeFields, EveryMetricTypeAndExemplarField) {
  ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  add_string(*rm->mutable_resource()->mutable_attributes(), "host.name", "h");
  rm->mutable_resource()->set_dropped_attributes_count(1);
  rm->set_schema_url("r");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("vigil");
  sm->mutable_scope()->set_version("0.1");
  sm->mutable_scope()->set_dropped_attributes_count(2);
  sm->set_schema_url("s");
  auto* gauge = sm->add_metrics();
  gauge->set_name("g");
  gauge->set_description("d");
  gauge->set_unit("1");
  add_string(*gauge->mutable_metadata(), "m", "n");
  auto* gp = gauge->mutable_gauge()->add_data_points();
  add_string(*gp->mutable_attributes(), "a", "b");
  gp->set_start_time_unix_nano(1);
  gp->set_time_unix_nano(2);
  gp->set_as_int(-7);
  gp->set_flags(1);
  auto* exemplar = gp->add_exemplars();
  add_string(*exemplar->mutable_filtered_attributes(), "f", "g");
  exemplar->set_time_unix_nano(3);
  exemplar->set_as_double(1.5);
  exemplar->set_span_id(bytes_from_hex(kSpanIdHex));
  exemplar->set_trace_id(bytes_from_hex(kTraceIdHex));
  auto* sum = sm->add_metrics()->mutable_sum();
  sum->add_data_points()->set_as_double(2.5);
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  sum->set_is_monotonic(true);
  auto* histogram = sm->add_metrics()->mutable_histogram();
  auto* hp = histogram->add_data_points();
  hp->set_count(3);
  hp->set_sum(4.5);
  hp->add_bucket_counts(1);
  hp->add_bucket_counts(2);
  hp->add_explicit_bounds(1);
  hp->set_flags(1);
  hp->set_min(0.5);
  hp->set_max(2);
  hp->add_exemplars()->set_as_int(9);
  histogram->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* exponential = sm->add_metrics()->mutable_exponential_histogram();
  auto* ep = exponential->add_data_points();
  ep->set_count(5);
  ep->set_sum(1);
  ep->set_scale(-1);
  ep->set_zero_count(2);
  ep->mutable_positive()->set_offset(-2);
  ep->mutable_positive()->add_bucket_counts(3);
  ep->mutable_negative()->set_offset(1);
  ep->set_flags(1);
  ep->set_min(-1);
  ep->set_max(4);
  ep->set_zero_threshold(0.001);
  exponential->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* qp = sm->add_metrics()->mutable_summary()->add_data_points();
  qp->set_count(2);
  qp->set_sum(3);
  auto* q = qp->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(1.5);
  qp->set_flags(1);

  expect_decodes_to(
      R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"h"}}],)"
      R"("droppedAttributesCount":1},"schemaUrl":"r","scopeMetrics":[{"scope":{"name":"vigil",)"
      R"("version":"0.1","droppedAttributesCount":2},"schemaUrl":"s","metrics":[)"
      R"({"name":"g","description":"d","unit":"1","metadata":[{"key":"m","value":{"stringValue":"n"}}],)"
      R"("gauge":{"dataPoints":[{"attributes":[{"key":"a","value":{"stringValue":"b"}}],)"
      R"("startTimeUnixNano":1,"timeUnixNano":"2","asInt":-7,"flags":1,"exemplars":[)"
      R"({"filteredAttributes":[{"key":"f","value":{"stringValue":"g"}}],"timeUnixNano":"3",)"
      R"("asDouble":1.5,"spanId":"EEE19B7EC3C1B174","traceId":"5b8efff798038103d269b633813fc60c"}]}]}},)"
      R"({"sum":{"dataPoints":[{"asDouble":2.5}],"aggregationTemporality":1,"isMonotonic":true}},)"
      R"({"histogram":{"dataPoints":[{"count":"3","sum":4.5,"bucketCounts":["1",2],)"
      R"("explicitBounds":[1],"flags":1,"min":0.5,"max":2,"exemplars":[{"asInt":"9"}]}],)"
      R"("aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE"}},)"
      R"({"exponentialHistogram":{"dataPoints":[{"count":"5","sum":1,"scale":-1,"zeroCount":"2",)"
      R"("positive":{"offset":-2,"bucketCounts":["3"]},"negative":{"offset":1},"flags":1,)"
      R"("min":-1,"max":4,"zeroThreshold":0.001}],"aggregationTemporality":1}},)"
      R"({"summary":{"dataPoints":[{"count":"2","sum":3,"quantileValues":[{"quantile":0.5,"value":1.5}],)"
      R"("flags":1}]}}]}]}]})",
      request);
}

TEST(OtlpJsonDecodeFields, EncoderOutputDecodesToTheSameTraceRequest) {
  expect_round_trip(rich_trace_request());
}

TEST(OtlpJsonDecodeFields, EncoderOutputDecodesToTheSameLogsRequest) {
  expect_round_trip(rich_logs_request());
}

TEST(OtlpJsonDecodeFields, EncoderOutputDecodesToTheSameMetricsRequest) {
  expect_round_trip(rich_metrics_request());
}

TEST(OtlpJsonDecodeFields, EncoderOutputOfEmptyRequestsDecodes) {
  expect_round_trip(ExportTraceServiceRequest());
  expect_round_trip(ExportLogsServiceRequest());
  expect_round_trip(ExportMetricsServiceRequest());
}

}  // namespace
}  // namespace vigil::otlp
