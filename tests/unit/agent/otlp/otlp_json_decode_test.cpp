// OTLP/JSON decoding rules (PROTOCOLS.md 1.3): ids, integers, enums, unknown fields, text
// repair, and the errors a 400 answer reports. Every field of every signal and the round trip
// through the encoder are in otlp_json_decode_fields_test.cpp.
#include "agent/otlp/otlp_json_decode.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "agent/otlp/otlp_json_prepare.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
namespace trace = opentelemetry::proto::trace::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// The request of PROTOCOLS.md 1.3, word for word.
constexpr std::string_view kProtocolsExample =
    R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]},
 "scopeSpans":[{"scope":{"name":"hostagent","version":"1.0"},
  "spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
   "name":"collect","kind":1,"startTimeUnixNano":"1700000000000000000",
   "endTimeUnixNano":"1700000000500000000","status":{"code":1}}]}]}]})";

// One span of a request whose span object is `span_json`.
trace::Span parse_span(std::string_view span_json) {
  const std::string json =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + std::string(span_json) + "]}]}]}";
  ExportTraceServiceRequest request;
  const auto parsed = parse_otlp_json(json, request);
  EXPECT_TRUE(parsed) << parsed.error().message << "\n" << json;
  if (!parsed || request.resource_spans_size() != 1 ||
      request.resource_spans(0).scope_spans_size() != 1 ||
      request.resource_spans(0).scope_spans(0).spans_size() != 1) {
    ADD_FAILURE() << "expected one span: " << request.ShortDebugString();
    return {};
  }
  return request.resource_spans(0).scope_spans(0).spans(0);
}

std::string parse_error(std::string_view json) {
  ExportTraceServiceRequest request;
  const auto parsed = parse_otlp_json(json, request);
  if (parsed) return "(parsed: " + request.ShortDebugString() + ")";
  EXPECT_EQ(request.ByteSizeLong(), 0u) << "a failed parse leaves the message cleared";
  return parsed.error().message;
}

TEST(OtlpJsonDecode, ProtocolsExampleRequest) {
  ExportTraceServiceRequest request;
  ASSERT_TRUE(parse_otlp_json(kProtocolsExample, request));
  ASSERT_EQ(request.resource_spans_size(), 1);
  const auto& rs = request.resource_spans(0);
  ASSERT_EQ(rs.resource().attributes_size(), 1);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "agent");
  ASSERT_EQ(rs.scope_spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(0).scope().name(), "hostagent");
  EXPECT_EQ(rs.scope_spans(0).scope().version(), "1.0");
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 1);
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(span.span_id(), bytes_from_hex(kSpanIdHex));
  EXPECT_EQ(span.parent_span_id(), "");
  EXPECT_EQ(span.name(), "collect");
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000000000000u);
  EXPECT_EQ(span.end_time_unix_nano(), 1700000000500000000u);
  EXPECT_EQ(span.status().code(), trace::Status::STATUS_CODE_OK);
  EXPECT_EQ(span.status().message(), "");
}

TEST(OtlpJsonDecode, EmptyObjectIsAnEmptyRequest) {
  ExportTraceServiceRequest request;
  request.add_resource_spans();  // replaced, not merged into
  ASSERT_TRUE(parse_otlp_json(" \r\n\t{ }\n", request));
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpJsonDecode, IdsAreHexOfEitherCase) {
  const auto span =
      parse_span(R"({"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EeE19b7eC3C1B174",)"
                 R"("parentSpanId":"0102030405060708"})");
  EXPECT_EQ(span.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(span.span_id(), bytes_from_hex(kSpanIdHex));
  EXPECT_EQ(span.parent_span_id(), bytes_from_hex("0102030405060708"));
}

TEST(OtlpJsonDecode, SnakeCaseIdKeysAreHexToo) {
  const auto span =
      parse_span(R"({"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",)"
                 R"("parent_span_id":"0102030405060708","dropped_attributes_count":4})");
  EXPECT_EQ(span.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(span.span_id(), bytes_from_hex(kSpanIdHex));
  EXPECT_EQ(span.parent_span_id(), bytes_from_hex("0102030405060708"));
  EXPECT_EQ(span.dropped_attributes_count(), 4u);
}

TEST(OtlpJsonDecode, EscapedIdKeysAndValuesAreDecodedFirst) {
  // "trace\u0049d" is "traceId"; "\u0035b" is "5b".
  const auto span = parse_span(
      R"({"trace\u0049d":"\u0035b8efff798038103d269b633813fc60c","span\u005fid":"eee19b7ec3c1b174"})");
  EXPECT_EQ(span.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(span.span_id(), bytes_from_hex(kSpanIdHex));
}

TEST(OtlpJsonDecode, EmptyIdsAreAbsent) {
  const auto span = parse_span(R"({"traceId":"","spanId":"","parentSpanId":"","name":"n"})");
  EXPECT_EQ(span.trace_id(), "");
  EXPECT_EQ(span.span_id(), "");
  EXPECT_EQ(span.parent_span_id(), "");
  EXPECT_EQ(span.name(), "n");
}

TEST(OtlpJsonDecode, WrongLengthHexIdsDecodeAsTheyAre) {
  // 15 bytes, 9 bytes and 16 bytes (a trace id's length in a span id field): each has a length
  // the receiver rejects, and the rest of the span is intact.
  const auto span =
      parse_span(R"({"traceId":"5b8efff798038103d269b633813fc6","spanId":"eee19b7ec3c1b17400",)"
                 R"("parentSpanId":"5b8efff798038103d269b633813fc60c","name":"kept"})");
  EXPECT_EQ(span.trace_id(), bytes_from_hex("5b8efff798038103d269b633813fc6"));
  EXPECT_EQ(span.trace_id().size(), 15u);
  EXPECT_EQ(span.span_id().size(), 9u);
  EXPECT_EQ(span.parent_span_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(span.name(), "kept");
}

TEST(OtlpJsonDecode, TextThatIsNotHexBecomesTheInvalidIdMarker) {
  ASSERT_EQ(kInvalidOtlpId.size(), 1u);
  for (const std::string_view bad : {
           R"("5b8efff798038103d269b633813fc60g")",   // a non-hex digit, right length
           R"("5b8efff798038103d269b633813fc60")",    // odd length
           R"(" 5b8efff798038103d269b633813fc60c")",  // whitespace
           R"("0x5b8efff798038103d269b633813fc6")",   // a prefix
           R"("W47/95gDgQPSabYzgT/GDA==")",           // base64 of the right 16 bytes
           R"("5b8efff798038103d269b633813fc6é")",    // non-ASCII
           R"("5b8efff798038103d269b633813fc6\u00e9")",
           "\"5b8efff798038103d269b633813fc6\xff\"",     // invalid UTF-8
           R"("5b8efff798038103d269b633813fc6\ud800")",  // an unpaired surrogate
       }) {
    SCOPED_TRACE(bad);
    const auto span = parse_span(R"({"traceId":)" + std::string(bad) + R"(,"spanId":)" +
                                 std::string(bad) + R"(,"name":"kept"})");
    EXPECT_EQ(span.trace_id(), kInvalidOtlpId);
    EXPECT_EQ(span.span_id(), kInvalidOtlpId);
    EXPECT_EQ(span.name(), "kept");
  }
}

TEST(OtlpJsonDecode, IdsThatAreNotStringsAreTypeErrors) {
  EXPECT_EQ(parse_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":5}]}]}]})")
                .substr(0, 18),
            "invalid OTLP/JSON:");
  const auto span = parse_span(R"({"traceId":null,"name":"n"})");
  EXPECT_EQ(span.trace_id(), "");
}

TEST(OtlpJsonDecode, IdsOfLinksLogRecordsAndExemplarsAreHex) {
  const auto span = parse_span(
      R"({"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}]})");
  ASSERT_EQ(span.links_size(), 1);
  EXPECT_EQ(span.links(0).trace_id(), bytes_from_hex("0af7651916cd43dd8448eb211c80319c"));
  EXPECT_EQ(span.links(0).span_id(), bytes_from_hex("b7ad6b7169203331"));

  ExportLogsServiceRequest logs;
  ASSERT_TRUE(parse_otlp_json(
      R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174"}]}]}]})",
      logs));
  const auto& record = logs.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(record.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(record.span_id(), bytes_from_hex(kSpanIdHex));

  ExportMetricsServiceRequest metrics;
  ASSERT_TRUE(parse_otlp_json(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"exemplars":[)"
      R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","asInt":"3"}]}]}}]}]}]})",
      metrics));
  const auto& exemplar =
      metrics.resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points(0).exemplars(0);
  EXPECT_EQ(exemplar.trace_id(), bytes_from_hex(kTraceIdHex));
  EXPECT_EQ(exemplar.span_id(), bytes_from_hex(kSpanIdHex));
  EXPECT_EQ(exemplar.as_int(), 3);
}

TEST(OtlpJsonDecode, AttributeNamedLikeAnIdIsNotRewritten) {
  // The JSON keys here are "key" and "stringValue"/"bytesValue": only the values of keys
  // named like ids are hex.
  const auto span = parse_span(
      R"({"attributes":[{"key":"traceId","value":{"stringValue":"abc"}},)"
      R"({"key":"spanId","value":{"bytesValue":"AAEC"}},)"
      R"({"key":"kv","value":{"kvlistValue":{"values":[{"key":"parentSpanId","value":{"stringValue":"eee19b7ec3c1b174"}}]}}},)"
      R"({"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"traceId"}]}}}]})");
  ASSERT_EQ(span.attributes_size(), 4);
  EXPECT_EQ(span.attributes(0).key(), "traceId");
  EXPECT_EQ(span.attributes(0).value().string_value(), "abc");
  EXPECT_EQ(span.attributes(1).key(), "spanId");
  EXPECT_EQ(span.attributes(1).value().bytes_value(), std::string("\x00\x01\x02", 3));
  const auto& inner = span.attributes(2).value().kvlist_value().values(0);
  EXPECT_EQ(inner.key(), "parentSpanId");
  EXPECT_EQ(inner.value().string_value(), "eee19b7ec3c1b174");
  EXPECT_EQ(span.attributes(3).value().array_value().values(0).string_value(), "traceId");
  EXPECT_EQ(span.trace_id(), "");
}

TEST(OtlpJsonDecode, SixtyFourBitIntegersAsStringsOrNumbers) {
  // 2^63 + 1 as a number: exact, not rounded through a double.
  const auto span = parse_span(
      R"({"startTimeUnixNano":9223372036854775809,"endTimeUnixNano":"18446744073709551615",)"
      R"("attributes":[{"key":"a","value":{"intValue":-9223372036854775808}},)"
      R"({"key":"b","value":{"intValue":"-5"}},{"key":"c","value":{"intValue":"9223372036854775807"}}]})");
  EXPECT_EQ(span.start_time_unix_nano(), 9223372036854775809u);
  EXPECT_EQ(span.end_time_unix_nano(), 18446744073709551615u);
  ASSERT_EQ(span.attributes_size(), 3);
  EXPECT_EQ(span.attributes(0).value().int_value(), INT64_MIN);
  EXPECT_EQ(span.attributes(1).value().int_value(), -5);
  EXPECT_EQ(span.attributes(2).value().int_value(), INT64_MAX);

  ExportMetricsServiceRequest metrics;
  ASSERT_TRUE(parse_otlp_json(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[)"
      R"({"count":6,"bucketCounts":[1,"2",3]}]}}]}]}]})",
      metrics));
  const auto& point =
      metrics.resource_metrics(0).scope_metrics(0).metrics(0).histogram().data_points(0);
  EXPECT_EQ(point.count(), 6u);
  ASSERT_EQ(point.bucket_counts_size(), 3);
  EXPECT_EQ(point.bucket_counts(1), 2u);

  EXPECT_NE(
      parse_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":-1}]}]}]})")
          .find("invalid OTLP/JSON"),
      std::string::npos);
  EXPECT_NE(
      parse_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"x"}]}]}]})")
          .find("invalid OTLP/JSON"),
      std::string::npos);
}

TEST(OtlpJsonDecode, EnumsAsIntegersOrNames) {
  EXPECT_EQ(parse_span(R"({"kind":2})").kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(parse_span(R"({"kind":"SPAN_KIND_CLIENT"})").kind(), trace::Span::SPAN_KIND_CLIENT);
  // A number unknown to our schema is kept (proto3 enums are open), as binary input keeps it.
  EXPECT_EQ(static_cast<int>(parse_span(R"({"kind":42})").kind()), 42);
  // An unknown name is an unknown value and ignored, like an unknown field.
  const auto span = parse_span(R"({"kind":"SPAN_KIND_TELEPATHIC","name":"n"})");
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_UNSPECIFIED);
  EXPECT_EQ(span.name(), "n");
  EXPECT_EQ(parse_span(R"({"status":{"code":"STATUS_CODE_ERROR"}})").status().code(),
            trace::Status::STATUS_CODE_ERROR);
}

TEST(OtlpJsonDecode, UnknownFieldsAreIgnoredAtEveryDepth) {
  ExportTraceServiceRequest request;
  ASSERT_TRUE(parse_otlp_json(
      R"({"future":{"a":[1,{"traceId":"zz"},[[]]],"b":null},"resourceSpans":[{"extra":true,)"
      R"("resource":{"attributes":[],"entityRefs":[{"type":"host"}]},"scopeSpans":[{"x":1.5e3,)"
      R"("spans":[{"name":"s","newField":"v","attributes":[{"key":"k","value":{"stringValue":"v",)"
      R"("newValueKind":{"deep":{"deeper":["x"]}}},"meta":{}}],"events":[{"name":"e","z":-0}]}]}]}],)"
      R"("trailing":"unknown"})",
      request));
  const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "s");
  EXPECT_EQ(span.attributes(0).value().string_value(), "v");
  EXPECT_EQ(span.events(0).name(), "e");
}

TEST(OtlpJsonDecode, EmptyKeysAreUnknownFieldsNotTheEnclosingMessage) {
  // Protobuf 3.21 alone writes the value of "" into the span as raw bytes (here: a span_id
  // holding a serialized message). It is an unknown field like any other.
  const auto span = parse_span(
      R"({"":{"name":"zz","spanId":"AAAAAAAAAAA="},"name":"n","spanId":"eee19b7ec3c1b174",)"
      R"("attributes":[{"key":"k","value":{"":[{"x":1}],"stringValue":"v"}}]})");
  trace::Span expected;
  expected.set_name("n");
  expected.set_span_id(bytes_from_hex(kSpanIdHex));
  add_string(*expected.mutable_attributes(), "k", "v");
  EXPECT_EQ(span.SerializeAsString(), expected.SerializeAsString()) << span.ShortDebugString();

  ExportTraceServiceRequest request;
  ASSERT_TRUE(parse_otlp_json(R"({"":{"resourceSpans":[{}]}})", request));
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpJsonDecode, SpecialDoubleStrings) {
  ExportMetricsServiceRequest metrics;
  ASSERT_TRUE(parse_otlp_json(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[)"
      R"({"asDouble":"NaN"},{"asDouble":"Infinity"},{"asDouble":"-Infinity"},{"asDouble":-0.0},)"
      R"({"asDouble":"1.5"},{"asDouble":2e-3}]}}]}]}]})",
      metrics));
  const auto& points =
      metrics.resource_metrics(0).scope_metrics(0).metrics(0).gauge().data_points();
  ASSERT_EQ(points.size(), 6);
  EXPECT_TRUE(std::isnan(points[0].as_double()));
  EXPECT_EQ(points[1].as_double(), INFINITY);
  EXPECT_EQ(points[2].as_double(), -INFINITY);
  EXPECT_TRUE(points[3].has_as_double());
  EXPECT_TRUE(std::signbit(points[3].as_double()));
  EXPECT_EQ(points[4].as_double(), 1.5);
  EXPECT_EQ(points[5].as_double(), 2e-3);
}

TEST(OtlpJsonDecode, BytesAreBase64StandardOrUrlSafePaddedOrNot) {
  const std::string expected("\xfb\xff\xbf", 3);
  const std::string expected2("\xfb\xff", 2);
  for (const auto& [text, bytes] : {std::pair{"+/+/", expected}, std::pair{"-_-_", expected},
                                    std::pair{"+/8=", expected2}, std::pair{"-_8", expected2}}) {
    SCOPED_TRACE(text);
    const auto span = parse_span(R"({"attributes":[{"key":"b","value":{"bytesValue":")" +
                                 std::string(text) + R"("}}]})");
    EXPECT_EQ(span.attributes(0).value().bytes_value(), bytes);
  }
}

TEST(OtlpJsonDecode, InvalidUtf8AndUnpairedSurrogatesBecomeReplacementCharacters) {
  const auto span = parse_span(
      "{\"name\":\"a\xff"
      "b\xe2\x82z\",\"traceState\":\"\\ud800x\\udc00\\ud83d\\ude00\\u00e9\"}");
  EXPECT_EQ(span.name(), "a\uFFFDb\uFFFDz");
  EXPECT_EQ(span.trace_state(), "\uFFFDx\uFFFD\U0001F600\u00e9");
  // Valid multi-byte text passes unchanged.
  EXPECT_EQ(parse_span("{\"name\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}").name(),
            "\u00e9\u20ac\U0001F600");
}

TEST(OtlpJsonDecode, MalformedJsonIsAnErrorWithAShortReason) {
  struct Case {
    std::string_view json;
    std::string_view reason;
  };
  for (const auto& [json, reason] : {
           Case{"", "invalid JSON: empty body"},
           Case{"  \n", "invalid JSON: empty body"},
           Case{"[]", "invalid JSON: the body must be a JSON object"},
           Case{"null", "invalid JSON: the body must be a JSON object"},
           Case{"{", "invalid JSON at byte 1: unexpected end of input"},
           Case{"{}}", "invalid JSON at byte 2: unexpected data after the JSON object"},
           Case{"{} {}", "invalid JSON at byte 3: unexpected data after the JSON object"},
           Case{"{'a':1}", "invalid JSON at byte 1: expected a string key"},
           Case{"{a:1}", "invalid JSON at byte 1: expected a string key"},
           Case{R"({"a":1,})", "invalid JSON at byte 7: expected a string key"},
           Case{R"({"a" 1})", "invalid JSON at byte 5: expected ':'"},
           Case{R"({"a":[1,]})", "invalid JSON at byte 8: expected a value"},
           Case{R"({"a":[1 2]})", "invalid JSON at byte 8: expected ',' or ']'"},
           Case{R"({"a":1 "b":2})", "invalid JSON at byte 7: expected ',' or '}'"},
           Case{R"({"a":01})", "invalid JSON at byte 6: expected ',' or '}'"},
           Case{R"({"a":1.})", "invalid JSON at byte 7: invalid number"},
           Case{R"({"a":-})", "invalid JSON at byte 6: invalid number"},
           Case{R"({"a":1e})", "invalid JSON at byte 7: invalid number"},
           Case{R"({"a":.5})", "invalid JSON at byte 5: expected a value"},
           Case{R"({"a":tru})", "invalid JSON at byte 5: expected a value"},
           Case{R"({"a":NaN})", "invalid JSON at byte 5: expected a value"},
           Case{R"({"a":"x)", "invalid JSON at byte 7: unterminated string"},
           Case{"{\"a\":\"x\ny\"}", "invalid JSON at byte 7: control character in a string"},
           Case{R"({"a":"\x"})", "invalid JSON at byte 6: invalid escape in a string"},
           Case{R"({"a":"\u12G4"})", "invalid JSON at byte 6: invalid \\u escape"},
           Case{R"({"a":"\u12"})", "invalid JSON at byte 6: invalid \\u escape"},
       }) {
    EXPECT_EQ(parse_error(json), reason) << json;
  }
}

TEST(OtlpJsonDecode, WrongTypesAreErrorsWithOneLineReasons) {
  for (
      const std::string_view json : {
          R"({"resourceSpans":[1]})",
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]})",
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":true}]}]}]})",
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":-1}]}]}]})",
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedAttributesCount":1.5}]}]}]})",
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"b","value":{"bytesValue":"%%"}}]}]}]}]})",
      }) {
    const std::string reason = parse_error(json);
    EXPECT_TRUE(reason.starts_with("invalid OTLP/JSON")) << json << " -> " << reason;
    EXPECT_EQ(reason.find('\n'), std::string::npos) << reason;
    EXPECT_LE(reason.size(), 240u) << reason;
  }
}

TEST(OtlpJsonDecode, ASingleValueWhereAListBelongsIsAListOfOne) {
  // Protobuf's leniency, kept: nothing is lost by taking it.
  ExportTraceServiceRequest request;
  ASSERT_TRUE(
      parse_otlp_json(R"({"resourceSpans":{"scopeSpans":{"spans":{"name":"n"}}}})", request));
  ASSERT_EQ(request.resource_spans_size(), 1);
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).name(), "n");
}

TEST(OtlpJsonDecode, LongReasonsAreCutOnACharacterBoundary) {
  // Protobuf quotes the offending value; 300 two-byte characters must not leave half of one.
  std::string name;
  for (int i = 0; i < 300; ++i) name += "\xc3\xa9";
  const std::string reason = parse_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":")" +
                                         name + R"(","name":1}]}]}]})");
  ASSERT_TRUE(reason.starts_with("invalid OTLP/JSON")) << reason;
  EXPECT_LE(reason.size(), 240u);
  ExportTraceServiceRequest request;
  ASSERT_TRUE(parse_otlp_json(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":")" + reason + R"("}]}]}]})", request));
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).name(), reason)
      << "the reason is valid UTF-8, so it survived unchanged";
}

TEST(OtlpJsonDecode, EveryTruncationOfAValidRequestIsAnError) {
  const std::string json(kProtocolsExample);
  for (std::size_t n = 0; n < json.size(); ++n) {
    ExportTraceServiceRequest request;
    EXPECT_FALSE(parse_otlp_json(std::string_view(json).substr(0, n), request)) << n;
  }
}

TEST(OtlpJsonDecode, DeepNestingIsAnErrorNotACrash) {
  auto nested = [](std::size_t depth) {
    // depth counts the top-level object.
    std::string json = R"({"x":)";
    for (std::size_t i = 1; i < depth; ++i) json += "[";
    json += "0";
    for (std::size_t i = 1; i < depth; ++i) json += "]";
    return json + "}";
  };
  ExportTraceServiceRequest request;
  EXPECT_TRUE(parse_otlp_json(nested(kMaxOtlpJsonDepth), request));
  EXPECT_EQ(parse_error(nested(kMaxOtlpJsonDepth + 1)),
            "invalid JSON at byte 132: nested deeper than 128 levels");
  // A million levels, open and unclosed: one pass, no recursion.
  EXPECT_TRUE(parse_error(R"({"x":)" + std::string(1'000'000, '[')).starts_with("invalid JSON"));
  std::string objects;
  for (int i = 0; i < 200'000; ++i) objects += R"({"a":)";
  EXPECT_TRUE(parse_error(objects).starts_with("invalid JSON"));

  // Deep known fields (arrays of arrays in an attribute), within the limit, parse.
  std::string value = R"({"stringValue":"leaf"})";
  for (int i = 0; i < 30; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
  const auto span = parse_span(R"({"attributes":[{"key":"deep","value":)" + value + "}]}");
  const auto* any = &span.attributes(0).value();
  for (int i = 0; i < 30; ++i) any = &any->array_value().values(0);
  EXPECT_EQ(any->string_value(), "leaf");
}

TEST(OtlpJsonDecode, PrepareLeavesTextWithoutIdsOrRepairsAlone) {
  std::string out = "untouched";
  const auto prepared = prepare_otlp_json(R"({"resourceSpans":[{"schemaUrl":"s"}]})", out);
  ASSERT_TRUE(prepared);
  EXPECT_FALSE(*prepared);
  EXPECT_EQ(out, "untouched");

  const auto rewritten = prepare_otlp_json(
      R"({"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C", "spanId" : "", "n":"traceId"}]})",
      out);
  ASSERT_TRUE(rewritten);
  EXPECT_TRUE(*rewritten);
  EXPECT_EQ(out,
            R"({"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA==", "spanId" : "", "n":"traceId"}]})");
}

}  // namespace
}  // namespace vigil::otlp
