#include "collectors/tail/log_batch_builder.h"

#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace vigil::collectors::tail {
namespace {

using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
namespace common = opentelemetry::proto::common::v1;

std::string resource_bytes() {
  opentelemetry::proto::resource::v1::Resource r;
  auto* kv = r.add_attributes();
  kv->set_key("host.name");
  kv->mutable_value()->set_string_value("web-1");
  return r.SerializeAsString();
}

std::string scope_bytes() {
  common::InstrumentationScope s;
  s.set_name("vigil.tail");
  s.set_version("0.1.0");
  return s.SerializeAsString();
}

std::string labels(std::string_view path) {
  std::string out;
  wire::append_string_attribute(out, 6, "log.file.name", "a.log");
  wire::append_string_attribute(out, 6, "log.file.path", path);
  return out;
}

ExportLogsServiceRequest parse(const std::string& payload) {
  ExportLogsServiceRequest request;
  EXPECT_TRUE(request.ParseFromString(payload));
  // Canonical: exactly what protobuf itself writes for the same message.
  EXPECT_EQ(request.SerializeAsString(), payload);
  return request;
}

TEST(Varint, SizesAndBytes) {
  EXPECT_EQ(wire::varint_size(0), 1u);
  EXPECT_EQ(wire::varint_size(127), 1u);
  EXPECT_EQ(wire::varint_size(128), 2u);
  EXPECT_EQ(wire::varint_size(UINT64_MAX), 10u);
  std::string out;
  wire::append_varint(out, 300);
  EXPECT_EQ(out, "\xAC\x02");
}

TEST(LogBatchBuilder, OneRecordWithEveryField) {
  LogBatchBuilder builder(resource_bytes(), scope_bytes(), 4096);
  const std::string prebuilt = labels("/var/log/a.log");
  RecordFields record;
  record.body = "GET /healthz 200";
  record.observed_unix_nanos = 1'700'000'000'000'000'001;
  record.prebuilt_attributes = prebuilt;
  EXPECT_EQ(builder.add(record), 0u);
  EXPECT_EQ(builder.records(), 1u);
  const auto request = parse(builder.seal());
  ASSERT_EQ(request.resource_logs_size(), 1);
  const auto& rl = request.resource_logs(0);
  EXPECT_EQ(rl.resource().attributes(0).value().string_value(), "web-1");
  ASSERT_EQ(rl.scope_logs_size(), 1);
  EXPECT_EQ(rl.scope_logs(0).scope().name(), "vigil.tail");
  ASSERT_EQ(rl.scope_logs(0).log_records_size(), 1);
  const auto& r = rl.scope_logs(0).log_records(0);
  EXPECT_EQ(r.body().string_value(), "GET /healthz 200");
  EXPECT_EQ(r.observed_time_unix_nano(), 1'700'000'000'000'000'001u);
  EXPECT_EQ(r.time_unix_nano(), 0u);
  ASSERT_EQ(r.attributes_size(), 2);
  EXPECT_EQ(r.attributes(0).key(), "log.file.name");
  EXPECT_EQ(r.attributes(1).value().string_value(), "/var/log/a.log");
  EXPECT_TRUE(builder.empty());
}

TEST(LogBatchBuilder, EmptyLineIsAnEmptyStringBody) {
  LogBatchBuilder builder(resource_bytes(), scope_bytes(), 4096);
  RecordFields record;
  builder.add(record);
  const auto request = parse(builder.seal());
  const auto& r = request.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(r.body().value_case(), common::AnyValue::kStringValue);
  EXPECT_EQ(r.body().string_value(), "");
}

TEST(LogBatchBuilder, IllFormedUtf8IsReplacedAndCounted) {
  LogBatchBuilder builder(resource_bytes(), scope_bytes(), 4096);
  RecordFields record;
  record.body = "bad \xFF byte";
  EXPECT_EQ(builder.add(record), 1u);
  const std::string path_bad = labels("/var/log/\xC3(.log");
  record.body = "fine";
  record.prebuilt_attributes = path_bad;
  EXPECT_EQ(builder.add(record), 0u);  // prebuilt labels were sanitized when built
  const auto request = parse(builder.seal());
  const auto& logs = request.resource_logs(0).scope_logs(0).log_records();
  EXPECT_EQ(logs[0].body().string_value(), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(logs[1].attributes(1).value().string_value(), "/var/log/\xEF\xBF\xBD(.log");
}

TEST(LogBatchBuilder, ParsedFieldsTimeAndSeverity) {
  LogBatchBuilder builder(resource_bytes(), scope_bytes(), 4096);
  const std::vector<ParsedField> fields{
      {"user", FieldValue::string("ann")},         {"status", FieldValue::integer(-5, "-5")},
      {"ratio", FieldValue::number(0.25, "0.25")}, {"ok", FieldValue::boolean(true, "true")},
      {"gone", FieldValue::null("null")},          {"k\xFF", FieldValue::string("v\xFF")},
  };
  const FieldValue typed_body = FieldValue::integer(42, "42");
  RecordFields record;
  record.typed_body = &typed_body;
  record.time_unix_nanos = 1'600'000'000'000'000'000;
  record.severity_number = 17;
  record.severity_text = "ERROR";
  record.parsed_fields = fields;
  EXPECT_EQ(builder.add(record), 1u);
  const auto request = parse(builder.seal());
  const auto& r = request.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(r.body().int_value(), 42);
  EXPECT_EQ(r.time_unix_nano(), 1'600'000'000'000'000'000u);
  EXPECT_EQ(r.severity_number(), 17);
  EXPECT_EQ(r.severity_text(), "ERROR");
  ASSERT_EQ(r.attributes_size(), 6);
  EXPECT_EQ(r.attributes(0).value().string_value(), "ann");
  EXPECT_EQ(r.attributes(1).value().int_value(), -5);
  EXPECT_EQ(r.attributes(2).value().double_value(), 0.25);
  EXPECT_TRUE(r.attributes(3).value().bool_value());
  EXPECT_EQ(r.attributes(4).value().value_case(), common::AnyValue::VALUE_NOT_SET);
  EXPECT_EQ(r.attributes(5).key(), "k\xEF\xBF\xBD");
}

// Batches far below, near and above the size the builder reserved for all come out canonical
// (the header is patched in place or rewritten).
TEST(LogBatchBuilder, AnyBatchSizeIsCanonical) {
  for (std::size_t expected : {1024u, 64u * 1024u, 1024u * 1024u}) {
    LogBatchBuilder builder(resource_bytes(), scope_bytes(), expected);
    for (std::size_t records : {1u, 10u, 300u, 5000u}) {
      const std::string line(190, 'x');
      RecordFields record;
      record.body = line;
      for (std::size_t i = 0; i < records; ++i) {
        record.observed_unix_nanos = static_cast<std::int64_t>(i);
        builder.add(record);
      }
      const auto request = parse(builder.seal());
      EXPECT_EQ(static_cast<std::size_t>(request.resource_logs(0).scope_logs(0).log_records_size()),
                records);
    }
  }
}

}  // namespace
}  // namespace vigil::collectors::tail
