#include "exporters/stdout/json_lines.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "tests/unit/exporters/stdout/stdout_test_support.h"

namespace vigil::exporters::stdout_exporter {
namespace {

using namespace vigil::otlp::testing;
using namespace vigil::exporters::stdout_exporter::testing;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

TEST(JsonLines, OneCompleteRequestPerLineForEverySignal) {
  ExportTraceServiceRequest traces;
  auto* rs = traces.add_resource_spans();
  add_string(*rs->mutable_resource()->mutable_attributes(), "service.name", "svc");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("s");
  ss->add_spans()->set_name("a");
  ss->add_spans()->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  std::string out = "kept ";
  auto count = append_json_lines(core::Signal::kTraces, traces.SerializeAsString(), out);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(
      out,
      "kept "
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"s"},"spans":[{"name":"a"}]}]}]})"
      "\n"
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"s"},"spans":[{"kind":3}]}]}]})"
      "\n");

  ExportLogsServiceRequest logs;
  auto* sl = logs.add_resource_logs()->add_scope_logs();
  sl->add_log_records()->mutable_body()->set_string_value("one");
  sl->add_log_records()->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
  out.clear();
  count = append_json_lines(core::Signal::kLogs, logs.SerializeAsString(), out);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(out,
            R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"one"}}]}]}]})"
            "\n"
            R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":9}]}]}]})"
            "\n");

  ExportMetricsServiceRequest request;
  auto* sm = request.add_resource_metrics()->add_scope_metrics();
  auto* metric = sm->add_metrics();
  metric->set_name("m");
  metric->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  metric->mutable_sum()->set_is_monotonic(true);
  metric->mutable_sum()->add_data_points()->set_as_int(1);
  metric->mutable_sum()->add_data_points()->set_as_int(2);
  out.clear();
  count = append_json_lines(core::Signal::kMetrics, request.SerializeAsString(), out);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 2u);
  EXPECT_EQ(
      out,
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"dataPoints":[{"asInt":"1"}],)"
      R"("aggregationTemporality":2,"isMonotonic":true}}]}]}]})"
      "\n"
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","sum":{"dataPoints":[{"asInt":"2"}],)"
      R"("aggregationTemporality":2,"isMonotonic":true}}]}]}]})"
      "\n");
}

// protobuf's own JSON parser (which shares no code with our encoder) reads every line back
// into the single-item request it should be.
TEST(JsonLines, LinesParseBackIntoTheSingleItemRequests) {
  ExportLogsServiceRequest request;
  for (int r = 0; r < 2; ++r) {
    auto* rl = request.add_resource_logs();
    add_string(*rl->mutable_resource()->mutable_attributes(), "r", std::to_string(r));
    rl->set_schema_url("schema");
    for (int s = 0; s < 2; ++s) {
      auto* sl = rl->add_scope_logs();
      sl->mutable_scope()->set_name("scope" + std::to_string(s));
      for (int i = 0; i < 3; ++i) {
        auto* record = sl->add_log_records();
        record->set_time_unix_nano(1700000000000000000u + i);
        record->mutable_body()->set_string_value("line \"" + std::to_string(i) + "\"\n");
        record->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
      }
    }
  }
  std::string out;
  auto count = append_json_lines(core::Signal::kLogs, request.SerializeAsString(), out);
  ASSERT_TRUE(count.has_value());
  EXPECT_EQ(*count, 12u);
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 12u);
  std::size_t n = 0;
  for (int r = 0; r < 2; ++r) {
    for (int s = 0; s < 2; ++s) {
      for (int i = 0; i < 3; ++i, ++n) {
        ExportLogsServiceRequest parsed;
        ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[n], &parsed).ok())
            << lines[n];
        ExportLogsServiceRequest expected;
        auto* rl = expected.add_resource_logs();
        *rl->mutable_resource() = request.resource_logs(r).resource();
        rl->set_schema_url("schema");
        auto* sl = rl->add_scope_logs();
        *sl->mutable_scope() = request.resource_logs(r).scope_logs(s).scope();
        *sl->add_log_records() = request.resource_logs(r).scope_logs(s).log_records(i);
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(parsed, expected))
            << lines[n];
      }
    }
  }
}

TEST(JsonLines, CorruptPayloadAppendsNothing) {
  std::string out = "before";
  auto count = append_json_lines(core::Signal::kTraces, "\x0a\x10\x0a", out);
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().message, "malformed ExportTraceServiceRequest (3 bytes)");
  EXPECT_EQ(out, "before");
}

}  // namespace
}  // namespace vigil::exporters::stdout_exporter
