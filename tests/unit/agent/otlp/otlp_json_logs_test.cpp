#include <limits>
#include <string>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "agent/otlp/otlp_json.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
namespace logs = opentelemetry::proto::logs::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

std::string to_json(const google::protobuf::Message& msg) {
  std::string out;
  append_otlp_json(msg, out);
  return out;
}

TEST(OtlpJsonLogs, LogRecordWithSeverityStringBodyAndTraceContext) {
  logs::LogRecord record;
  record.set_time_unix_nano(1700000000000000001u);
  record.set_observed_time_unix_nano(1700000000000000002u);
  record.set_severity_number(logs::SEVERITY_NUMBER_WARN);
  record.set_severity_text("WARN");
  record.mutable_body()->set_string_value("disk \"full\"\n");
  add_string(*record.mutable_attributes(), "log.file.path", "/var/log/x.log");
  record.set_dropped_attributes_count(1);
  record.set_flags(1);
  record.set_trace_id(bytes_from_hex(kTraceIdHex));
  record.set_span_id(bytes_from_hex(kSpanIdHex));
  record.set_event_name("device.alert");

  EXPECT_EQ(to_json(record),
            R"({"timeUnixNano":"1700000000000000001","observedTimeUnixNano":"1700000000000000002",)"
            R"("severityNumber":13,"severityText":"WARN","body":{"stringValue":"disk \"full\"\n"},)"
            R"("attributes":[{"key":"log.file.path","value":{"stringValue":"/var/log/x.log"}}],)"
            R"("droppedAttributesCount":1,"flags":1,"traceId":"5b8efff798038103d269b633813fc60c",)"
            R"("spanId":"eee19b7ec3c1b174","eventName":"device.alert"})");
}

TEST(OtlpJsonLogs, KvlistBody) {
  logs::LogRecord record;
  record.set_severity_number(logs::SEVERITY_NUMBER_FATAL4);
  auto* body = record.mutable_body()->mutable_kvlist_value();
  add_string(*body->mutable_values(), "msg", "hi");
  auto* kv = body->add_values();
  kv->set_key("code");
  kv->mutable_value()->set_int_value(42);
  kv = body->add_values();
  kv->set_key("tags");
  auto* tags = kv->mutable_value()->mutable_array_value();
  tags->add_values()->set_string_value("a");
  tags->add_values()->set_string_value("b");

  EXPECT_EQ(
      to_json(record),
      R"({"severityNumber":24,"body":{"kvlistValue":{"values":[)"
      R"({"key":"msg","value":{"stringValue":"hi"}},)"
      R"({"key":"code","value":{"intValue":"42"}},)"
      R"({"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}}]}}})");
}

TEST(OtlpJsonLogs, RequestWithLogRecord) {
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  add_string(*rl->mutable_resource()->mutable_attributes(), "host.name", "web-1");
  rl->mutable_resource()->set_dropped_attributes_count(2);
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("tail");
  add_string(*sl->mutable_scope()->mutable_attributes(), "a", "b");
  sl->mutable_scope()->set_dropped_attributes_count(7);
  sl->add_log_records()->mutable_body()->set_string_value("line");

  EXPECT_EQ(
      to_json(request),
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"web-1"}}],)"
      R"("droppedAttributesCount":2},"scopeLogs":[{"scope":{"name":"tail",)"
      R"("attributes":[{"key":"a","value":{"stringValue":"b"}}],"droppedAttributesCount":7},)"
      R"("logRecords":[{"body":{"stringValue":"line"}}]}]}]})");
}

TEST(OtlpJsonLogs, StringsAreEscapedAndInvalidUtf8Replaced) {
  logs::LogRecord record;
  // Setters do not check UTF-8, so such text can reach the encoder from our own code.
  record.mutable_body()->set_string_value(
      "tab\there \x01 \\ \"q\" caf\xc3\xa9 bad\xff\xfe end\xe2\x82");
  add_string(*record.mutable_attributes(), "k\ney\x80", "\x7f");
  EXPECT_EQ(
      to_json(record),
      "{\"body\":{\"stringValue\":\"tab\\there \\u0001 \\\\ \\\"q\\\" caf\xc3\xa9 "
      "bad\xEF\xBF\xBD\xEF\xBF\xBD end\xEF\xBF\xBD\"},"
      "\"attributes\":[{\"key\":\"k\\ney\xEF\xBF\xBD\",\"value\":{\"stringValue\":\"\x7f\"}}]}");
}

TEST(OtlpJsonLogs, SpecialDoublesInAnyValue) {
  logs::LogRecord record;
  auto* array = record.mutable_body()->mutable_array_value();
  array->add_values()->set_double_value(std::numeric_limits<double>::quiet_NaN());
  array->add_values()->set_double_value(std::numeric_limits<double>::infinity());
  array->add_values()->set_double_value(-std::numeric_limits<double>::infinity());
  array->add_values()->set_double_value(-0.0);
  array->add_values()->set_double_value(2.5e-7);
  EXPECT_EQ(to_json(record),
            R"({"body":{"arrayValue":{"values":[{"doubleValue":"NaN"},{"doubleValue":"Infinity"},)"
            R"({"doubleValue":"-Infinity"},{"doubleValue":-0},{"doubleValue":2.5e-07}]}}})");
}

// OTLP has no maps and no 32-bit signed or float fields, but the encoder must stay correct for
// any message: a schema built at run time covers those paths.
TEST(OtlpJsonLogs, MapsAndOtherScalarTypesOfNonOtlpMessages) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "t.proto"
        package: "t"
        syntax: "proto3"
        message_type {
          name: "M"
          field {
            name: "by_name"
            number: 1
            label: LABEL_REPEATED
            type: TYPE_MESSAGE
            type_name: ".t.M.ByNameEntry"
            json_name: "byName"
          }
          field {
            name: "by_id"
            number: 2
            label: LABEL_REPEATED
            type: TYPE_MESSAGE
            type_name: ".t.M.ByIdEntry"
            json_name: "byId"
          }
          field {
            name: "small"
            number: 3
            label: LABEL_OPTIONAL
            type: TYPE_SINT32
            json_name: "small"
          }
          field {
            name: "ratio"
            number: 4
            label: LABEL_OPTIONAL
            type: TYPE_FLOAT
            json_name: "ratio"
          }
          field {
            name: "span_id"
            number: 5
            label: LABEL_OPTIONAL
            type: TYPE_BYTES
            json_name: "spanId"
          }
          nested_type {
            name: "ByNameEntry"
            options { map_entry: true }
            field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING json_name: "key" }
            field {
              name: "value"
              number: 2
              label: LABEL_OPTIONAL
              type: TYPE_INT64
              json_name: "value"
            }
          }
          nested_type {
            name: "ByIdEntry"
            options { map_entry: true }
            field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_INT32 json_name: "key" }
            field {
              name: "value"
              number: 2
              label: LABEL_OPTIONAL
              type: TYPE_BOOL
              json_name: "value"
            }
          }
        }
      )pb",
      &file));
  google::protobuf::DescriptorPool pool;
  const auto* file_descriptor = pool.BuildFile(file);
  ASSERT_NE(file_descriptor, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> msg(
      factory.GetPrototype(pool.FindMessageTypeByName("t.M"))->New());
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(by_name { key: "a\"" value: 5 }
           by_id { key: -3 value: true }
           small: -7
           ratio: 0.5
           span_id: "\001")pb",
      msg.get()));
  // Outside the OTLP packages a field named span_id is ordinary bytes: base64.
  EXPECT_EQ(to_json(*msg),
            R"({"byName":{"a\"":"5"},"byId":{"-3":true},"small":-7,"ratio":0.5,"spanId":"AQ=="})");
}

}  // namespace
}  // namespace vigil::otlp
