#include <string>

#include <gtest/gtest.h>

#include "agent/otlp/otlp_json.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
namespace trace = opentelemetry::proto::trace::v1;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

std::string to_json(const google::protobuf::Message& msg) {
  std::string out;
  append_otlp_json(msg, out);
  return out;
}

trace::Span full_span() {
  trace::Span span;
  span.set_trace_id(bytes_from_hex(kTraceIdHex));
  span.set_span_id(bytes_from_hex(kSpanIdHex));
  span.set_trace_state("rojo=00f067aa0ba902b7");
  span.set_parent_span_id(bytes_from_hex("0102030405060708"));
  span.set_flags(0x301);
  span.set_name("GET /api");
  span.set_kind(trace::Span::SPAN_KIND_SERVER);
  span.set_start_time_unix_nano(1700000000000000000u);
  span.set_end_time_unix_nano(1700000000500000000u);

  auto& attrs = *span.mutable_attributes();
  add_string(attrs, "str", "v");
  auto* kv = attrs.Add();
  kv->set_key("bool");
  kv->mutable_value()->set_bool_value(true);
  kv = attrs.Add();
  kv->set_key("int");
  kv->mutable_value()->set_int_value(-5);
  kv = attrs.Add();
  kv->set_key("double");
  kv->mutable_value()->set_double_value(1.5);
  kv = attrs.Add();
  kv->set_key("bytes");
  kv->mutable_value()->set_bytes_value(std::string("\x00\x01\xfe\xff", 4));
  kv = attrs.Add();
  kv->set_key("array");
  auto* array = kv->mutable_value()->mutable_array_value();
  array->add_values()->set_string_value("a");
  array->add_values()->set_int_value(1);
  array->add_values()->mutable_array_value()->add_values()->set_bool_value(false);
  array->add_values();  // an AnyValue with nothing set
  kv = attrs.Add();
  kv->set_key("kvlist");
  auto* kvlist = kv->mutable_value()->mutable_kvlist_value();
  auto* inner = kvlist->add_values();
  inner->set_key("k");
  inner->mutable_value()->set_double_value(0);
  inner = kvlist->add_values();
  inner->set_key("nested");
  add_string(*inner->mutable_value()->mutable_kvlist_value()->mutable_values(), "x", "");
  span.set_dropped_attributes_count(3);

  auto* event = span.add_events();
  event->set_time_unix_nano(1700000000100000000u);
  event->set_name("ev");
  kv = event->add_attributes();
  kv->set_key("e");
  kv->mutable_value()->set_int_value(0);
  event->set_dropped_attributes_count(1);
  span.set_dropped_events_count(2);

  auto* link = span.add_links();
  link->set_trace_id(bytes_from_hex("0af7651916cd43dd8448eb211c80319c"));
  link->set_span_id(bytes_from_hex("b7ad6b7169203331"));
  link->set_trace_state("x=y");
  kv = link->add_attributes();
  kv->set_key("l");
  kv->mutable_value()->set_bool_value(false);
  link->set_dropped_attributes_count(4);
  link->set_flags(0x100);
  span.set_dropped_links_count(5);

  span.mutable_status()->set_message("boom");
  span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  return span;
}

TEST(OtlpJsonTrace, SpanWithEveryFieldAndEveryAnyValueType) {
  EXPECT_EQ(
      to_json(full_span()),
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("traceState":"rojo=00f067aa0ba902b7","parentSpanId":"0102030405060708","flags":769,)"
      R"("name":"GET /api","kind":2,"startTimeUnixNano":"1700000000000000000",)"
      R"("endTimeUnixNano":"1700000000500000000","attributes":[)"
      R"({"key":"str","value":{"stringValue":"v"}},)"
      R"({"key":"bool","value":{"boolValue":true}},)"
      R"({"key":"int","value":{"intValue":"-5"}},)"
      R"({"key":"double","value":{"doubleValue":1.5}},)"
      R"({"key":"bytes","value":{"bytesValue":"AAH+/w=="}},)"
      R"({"key":"array","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"},)"
      R"({"arrayValue":{"values":[{"boolValue":false}]}},{}]}}},)"
      R"({"key":"kvlist","value":{"kvlistValue":{"values":[{"key":"k","value":{"doubleValue":0}},)"
      R"({"key":"nested","value":{"kvlistValue":{"values":[{"key":"x","value":{"stringValue":""}}]}}}]}}}],)"
      R"("droppedAttributesCount":3,)"
      R"("events":[{"timeUnixNano":"1700000000100000000","name":"ev",)"
      R"("attributes":[{"key":"e","value":{"intValue":"0"}}],"droppedAttributesCount":1}],)"
      R"("droppedEventsCount":2,)"
      R"("links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",)"
      R"("traceState":"x=y","attributes":[{"key":"l","value":{"boolValue":false}}],)"
      R"("droppedAttributesCount":4,"flags":256}],)"
      R"("droppedLinksCount":5,"status":{"message":"boom","code":2}})");
}

TEST(OtlpJsonTrace, RequestWithResourceScopeAndSchemaUrls) {
  ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  add_string(*rs->mutable_resource()->mutable_attributes(), "service.name", "agent");
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("hostagent");
  ss->mutable_scope()->set_version("1.0");
  ss->set_schema_url("https://example.com/scope");
  auto* span = ss->add_spans();
  span->set_trace_id(bytes_from_hex(kTraceIdHex));
  span->set_span_id(bytes_from_hex(kSpanIdHex));
  span->set_name("collect");
  span->set_kind(trace::Span::SPAN_KIND_INTERNAL);
  span->set_start_time_unix_nano(1700000000000000000u);
  span->set_end_time_unix_nano(1700000000500000000u);
  span->mutable_status()->set_code(trace::Status::STATUS_CODE_OK);

  EXPECT_EQ(
      to_json(request),
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"hostagent","version":"1.0"},)"
      R"("spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("name":"collect","kind":1,"startTimeUnixNano":"1700000000000000000",)"
      R"("endTimeUnixNano":"1700000000500000000","status":{"code":1}}],)"
      R"("schemaUrl":"https://example.com/scope"}],)"
      R"("schemaUrl":"https://opentelemetry.io/schemas/1.21.0"}]})");
}

TEST(OtlpJsonTrace, DefaultsAreOmittedButPresentMessagesAppear) {
  EXPECT_EQ(to_json(trace::Span()), "{}");
  EXPECT_EQ(to_json(ExportTraceServiceRequest()), "{}");

  trace::Span span;
  span.mutable_status();  // present though empty
  span.set_kind(trace::Span::SPAN_KIND_UNSPECIFIED);
  span.set_trace_id("");
  span.set_start_time_unix_nano(0);
  EXPECT_EQ(to_json(span), R"({"status":{}})");

  // A present but empty resource and scope stay, as they do on the wire.
  ExportTraceServiceRequest request;
  request.add_resource_spans()->mutable_resource();
  request.mutable_resource_spans(0)->add_scope_spans()->mutable_scope();
  EXPECT_EQ(to_json(request), R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{}}]}]})");
}

TEST(OtlpJsonTrace, EnumNumbersUnknownToTheSchemaAreKept) {
  trace::Span span;
  span.set_kind(static_cast<trace::Span::SpanKind>(9));
  EXPECT_EQ(to_json(span), R"({"kind":9})");
}

TEST(OtlpJsonTrace, IdsThatAreNotSixteenOrEightBytesAreStillHex) {
  trace::Span span;
  span.set_span_id(std::string("\x00\x01", 2));
  EXPECT_EQ(to_json(span), R"({"spanId":"0001"})");
}

TEST(OtlpJsonTrace, AppendsToExistingText) {
  std::string out = "prefix ";
  trace::Span span;
  span.set_name("n");
  append_otlp_json(span, out);
  EXPECT_EQ(out, R"(prefix {"name":"n"})");
}

}  // namespace
}  // namespace vigil::otlp
