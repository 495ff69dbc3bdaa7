#include "exporters/otlp/request_split.h"

#include <random>
#include <set>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include "tests/unit/exporters/otlp/otlp_export_test_support.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace otlp_export_test;

// Every part parses, carries what it says, and the parts' items are the payload's, in order.
void expect_same_items(core::Signal signal, const std::string& payload,
                       const std::vector<RequestPart>& parts) {
  std::vector<std::string> joined;
  for (const RequestPart& part : parts) {
    auto items = items_of(signal, part.payload);
    EXPECT_EQ(items.size(), part.items);
    joined.insert(joined.end(), items.begin(), items.end());
  }
  EXPECT_EQ(joined, items_of(signal, payload));
}

void expect_within(const std::vector<RequestPart>& parts, std::size_t max_bytes) {
  for (const RequestPart& part : parts) {
    if (part.items > 1) {
      EXPECT_LE(part.payload.size(), max_bytes);
    }
  }
}

TEST(RequestSplit, APayloadThatFitsIsOnePart) {
  const std::string payload = logs_request(2, 2, 3).SerializeAsString();
  auto parts = split_request(core::Signal::kLogs, payload, payload.size());
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].payload, payload);
  EXPECT_EQ((*parts)[0].items, 12u);
}

TEST(RequestSplit, WholeResourcesAreMovedWhereTheyFit) {
  const auto request = logs_request(6, 1, 5);
  const std::string payload = request.SerializeAsString();
  const std::size_t one = request.resource_logs(0).ByteSizeLong() + 3;
  auto parts = split_request(core::Signal::kLogs, payload, one * 2 + 2);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 3u);
  for (const RequestPart& part : *parts) {
    ExportLogsServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(part.payload));
    EXPECT_EQ(parsed.resource_logs_size(), 2);
    EXPECT_EQ(part.items, 10u);
  }
  expect_same_items(core::Signal::kLogs, payload, *parts);
}

TEST(RequestSplit, ALargeResourceIsCutWithItsResourceAndScopeInEachPiece) {
  const auto request = logs_request(1, 2, 200, 100);
  const std::string payload = request.SerializeAsString();
  const std::size_t max = 4096;
  auto parts = split_request(core::Signal::kLogs, payload, max);
  ASSERT_TRUE(parts.has_value());
  EXPECT_GT(parts->size(), payload.size() / max);
  expect_within(*parts, max);
  for (const RequestPart& part : *parts) {
    ExportLogsServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(part.payload));
    for (const auto& rl : parsed.resource_logs()) {
      EXPECT_EQ(rl.resource().SerializeAsString(),
                request.resource_logs(0).resource().SerializeAsString());
      EXPECT_EQ(rl.schema_url(), request.resource_logs(0).schema_url());
      for (const auto& sl : rl.scope_logs()) {
        EXPECT_EQ(sl.schema_url(), "https://example.com/scope");
        EXPECT_TRUE(sl.scope().name().starts_with("scope-"));
        EXPECT_GT(sl.log_records_size(), 0);
      }
    }
  }
  expect_same_items(core::Signal::kLogs, payload, *parts);
}

TEST(RequestSplit, MetricsAreCutBetweenDataPointsKeepingTheMetricsShape) {
  const auto request = metrics_request(60);
  const std::string payload = request.SerializeAsString();
  const std::size_t max = 2048;
  auto parts = split_request(core::Signal::kMetrics, payload, max);
  ASSERT_TRUE(parts.has_value());
  EXPECT_GT(parts->size(), 5u);
  expect_within(*parts, max);
  std::set<std::string> kinds;
  for (const RequestPart& part : *parts) {
    ExportMetricsServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(part.payload));
    for (const auto& m : parsed.resource_metrics(0).scope_metrics(0).metrics()) {
      if (m.has_sum()) {
        EXPECT_EQ(m.name(), "system.cpu.time");
        EXPECT_EQ(m.description(), "CPU time");
        EXPECT_EQ(m.unit(), "s");
        EXPECT_TRUE(m.sum().is_monotonic());
        EXPECT_EQ(m.sum().aggregation_temporality(), metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        kinds.insert("sum");
      }
      if (m.has_histogram()) {
        EXPECT_EQ(m.histogram().aggregation_temporality(), metrics::AGGREGATION_TEMPORALITY_DELTA);
        kinds.insert("histogram");
      }
      if (m.has_exponential_histogram()) kinds.insert("exponential_histogram");
      if (m.has_summary()) kinds.insert("summary");
      if (m.has_gauge()) kinds.insert("gauge");
    }
  }
  EXPECT_EQ(kinds.size(), 5u);
  expect_same_items(core::Signal::kMetrics, payload, *parts);
}

TEST(RequestSplit, AnItemLargerThanTheLimitTravelsAlone) {
  auto request = logs_request(1, 1, 5, 50);
  request.mutable_resource_logs(0)
      ->mutable_scope_logs(0)
      ->mutable_log_records(2)
      ->mutable_body()
      ->set_string_value(std::string(5000, 'b'));
  const std::string payload = request.SerializeAsString();
  auto parts = split_request(core::Signal::kLogs, payload, 1024);
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].items, 2u);
  EXPECT_EQ((*parts)[1].items, 1u);
  EXPECT_GT((*parts)[1].payload.size(), 5000u);
  EXPECT_EQ((*parts)[2].items, 2u);
  expect_same_items(core::Signal::kLogs, payload, *parts);
}

TEST(RequestSplit, UnknownFieldsOfAResourceGroupAreKept) {
  auto request = logs_request(1, 1, 40, 60);
  std::string payload = request.SerializeAsString();
  // Field 99 (varint 7) appended inside ResourceLogs: rebuild the request by hand.
  const std::string resource_logs = request.resource_logs(0).SerializeAsString() + "\x98\x06\x07";
  payload = std::string("\x0a") + [&] {
    std::string len;
    google::protobuf::io::StringOutputStream stream(&len);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteVarint32(static_cast<std::uint32_t>(resource_logs.size()));
    out.Trim();
    return len;
  }() + resource_logs;
  auto parts = split_request(core::Signal::kLogs, payload, 1024);
  ASSERT_TRUE(parts.has_value());
  ASSERT_GT(parts->size(), 1u);
  for (const RequestPart& part : *parts) {
    ExportLogsServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(part.payload));
    const auto& unknown =
        parsed.resource_logs(0).GetReflection()->GetUnknownFields(parsed.resource_logs(0));
    ASSERT_EQ(unknown.field_count(), 1);
    EXPECT_EQ(unknown.field(0).number(), 99);
    EXPECT_EQ(unknown.field(0).varint(), 7u);
  }
}

TEST(RequestSplit, EmptyGroupsSurvive) {
  ExportTraceServiceRequest request = traces_request(1, 30);
  request.add_resource_spans()->mutable_resource();  // a resource without scopes
  const std::string payload = request.SerializeAsString();
  auto parts = split_request(core::Signal::kTraces, payload, 600);
  ASSERT_TRUE(parts.has_value());
  std::uint64_t items = 0;
  int resources = 0;
  for (const RequestPart& part : *parts) {
    ExportTraceServiceRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(part.payload));
    resources += parsed.resource_spans_size();
    items += part.items;
  }
  EXPECT_EQ(items, 30u);
  EXPECT_GE(resources, 2);
  expect_same_items(core::Signal::kTraces, payload, *parts);
}

TEST(RequestSplit, RandomRequestsAndLimits) {
  std::mt19937 random(7);
  for (int round = 0; round < 60; ++round) {
    const int resources = 1 + static_cast<int>(random() % 4);
    const int scopes = 1 + static_cast<int>(random() % 3);
    const int records = static_cast<int>(random() % 30);
    const std::size_t body = 10 + random() % 300;
    const std::string payload = logs_request(resources, scopes, records, body).SerializeAsString();
    const std::size_t max = 300 + random() % 4000;
    auto parts = split_request(core::Signal::kLogs, payload, max);
    ASSERT_TRUE(parts.has_value());
    expect_within(*parts, max);
    expect_same_items(core::Signal::kLogs, payload, *parts);

    const std::string metrics =
        metrics_request(static_cast<int>(random() % 20)).SerializeAsString();
    auto metric_parts = split_request(core::Signal::kMetrics, metrics, max);
    ASSERT_TRUE(metric_parts.has_value());
    expect_within(*metric_parts, max);
    expect_same_items(core::Signal::kMetrics, metrics, *metric_parts);
  }
}

TEST(RequestSplit, MalformedPayloadsAreErrors) {
  const std::string payload = logs_request(1, 1, 20).SerializeAsString();
  EXPECT_FALSE(split_request(core::Signal::kLogs, payload.substr(0, payload.size() - 3), 100));
  EXPECT_FALSE(split_request(core::Signal::kLogs, std::string("\x0a\x05\x12\x01", 4), 1));
  // The items field with a varint wire type.
  EXPECT_FALSE(count_items(core::Signal::kLogs, std::string("\x08\x01", 2)));
  EXPECT_FALSE(count_items(core::Signal::kLogs, std::string("\x0a\x02\x10\x01", 4)));
}

TEST(RequestSplit, CountsItems) {
  EXPECT_EQ(count_items(core::Signal::kLogs, logs_request(3, 2, 4).SerializeAsString()), 24u);
  EXPECT_EQ(count_items(core::Signal::kTraces, traces_request(2, 7).SerializeAsString()), 14u);
  EXPECT_EQ(count_items(core::Signal::kMetrics, metrics_request(4).SerializeAsString()), 20u);
  EXPECT_EQ(count_items(core::Signal::kMetrics, ""), 0u);
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
