#include "agent/otlp/item_split.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tests/unit/agent/otlp/otlp_fixtures.h"

namespace vigil::otlp {
namespace {

using namespace vigil::otlp::testing;
using google::protobuf::util::MessageDifferencer;
namespace metrics = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// Collects a copy of every single-item request the splitter produces.
template <typename Request>
core::Result<std::uint64_t> split_all(core::Signal signal, const std::string& payload,
                                      std::vector<Request>& out) {
  return for_each_item(signal, payload, [&out](const google::protobuf::Message& msg) {
    out.emplace_back();
    out.back().CopyFrom(msg);  // fails (aborts) if the message is not a Request
  });
}

template <typename Group>
void fill_resource(Group& group, int r) {
  add_string(*group.mutable_resource()->mutable_attributes(), "r", std::to_string(r));
  group.set_schema_url(fmt::format("resource-schema-{}", r));
}

template <typename Group>
void fill_scope(Group& group, int r, int s) {
  group.mutable_scope()->set_name(fmt::format("scope-{}-{}", r, s));
  group.mutable_scope()->set_version("1");
  group.set_schema_url(fmt::format("scope-schema-{}-{}", r, s));
}

TEST(ItemSplit, TracesTwoResourcesTimesTwoScopesTimesThreeSpans) {
  ExportTraceServiceRequest request;
  for (int r = 0; r < 2; ++r) {
    auto* rs = request.add_resource_spans();
    fill_resource(*rs, r);
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      fill_scope(*ss, r, s);
      for (int i = 0; i < 3; ++i) {
        auto* span = ss->add_spans();
        span->set_name(fmt::format("span-{}-{}-{}", r, s, i));
        span->set_span_id(bytes_from_hex(kSpanIdHex));
        span->add_events()->set_name("e");
      }
    }
  }
  std::vector<ExportTraceServiceRequest> singles;
  auto count = split_all(core::Signal::kTraces, request.SerializeAsString(), singles);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(*count, 12u);
  ASSERT_EQ(singles.size(), 12u);

  std::size_t n = 0;
  for (int r = 0; r < 2; ++r) {
    for (int s = 0; s < 2; ++s) {
      for (int i = 0; i < 3; ++i, ++n) {
        // The expected request: the original with every other item removed.
        ExportTraceServiceRequest expected;
        auto* rs = expected.add_resource_spans();
        *rs->mutable_resource() = request.resource_spans(r).resource();
        rs->set_schema_url(request.resource_spans(r).schema_url());
        auto* ss = rs->add_scope_spans();
        *ss->mutable_scope() = request.resource_spans(r).scope_spans(s).scope();
        ss->set_schema_url(request.resource_spans(r).scope_spans(s).schema_url());
        *ss->add_spans() = request.resource_spans(r).scope_spans(s).spans(i);
        EXPECT_TRUE(MessageDifferencer::Equals(singles[n], expected))
            << "item " << n << ":\n"
            << singles[n].DebugString() << "\nexpected:\n"
            << expected.DebugString();
      }
    }
  }
}

TEST(ItemSplit, LogsTwoResourcesTimesTwoScopesTimesThreeRecords) {
  ExportLogsServiceRequest request;
  for (int r = 0; r < 2; ++r) {
    auto* rl = request.add_resource_logs();
    fill_resource(*rl, r);
    for (int s = 0; s < 2; ++s) {
      auto* sl = rl->add_scope_logs();
      fill_scope(*sl, r, s);
      for (int i = 0; i < 3; ++i) {
        auto* record = sl->add_log_records();
        record->mutable_body()->set_string_value(fmt::format("line-{}-{}-{}", r, s, i));
        record->set_time_unix_nano(1000 + i);
      }
    }
  }
  std::vector<ExportLogsServiceRequest> singles;
  auto count = split_all(core::Signal::kLogs, request.SerializeAsString(), singles);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(*count, 12u);
  ASSERT_EQ(singles.size(), 12u);

  std::size_t n = 0;
  for (int r = 0; r < 2; ++r) {
    for (int s = 0; s < 2; ++s) {
      for (int i = 0; i < 3; ++i, ++n) {
        ExportLogsServiceRequest expected;
        auto* rl = expected.add_resource_logs();
        *rl->mutable_resource() = request.resource_logs(r).resource();
        rl->set_schema_url(request.resource_logs(r).schema_url());
        auto* sl = rl->add_scope_logs();
        *sl->mutable_scope() = request.resource_logs(r).scope_logs(s).scope();
        sl->set_schema_url(request.resource_logs(r).scope_logs(s).schema_url());
        *sl->add_log_records() = request.resource_logs(r).scope_logs(s).log_records(i);
        EXPECT_TRUE(MessageDifferencer::Equals(singles[n], expected))
            << "item " << n << ":\n"
            << singles[n].DebugString() << "\nexpected:\n"
            << expected.DebugString();
      }
    }
  }
}

TEST(ItemSplit, AbsentResourceAndScopeStayAbsent) {
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  fill_resource(*rl, 0);
  rl->add_scope_logs()->add_log_records()->set_severity_text("first");
  auto* bare = request.add_resource_logs();  // neither resource nor scope set
  bare->add_scope_logs()->add_log_records()->set_severity_text("second");

  std::vector<ExportLogsServiceRequest> singles;
  auto count = split_all(core::Signal::kLogs, request.SerializeAsString(), singles);
  ASSERT_TRUE(count.has_value());
  ASSERT_EQ(singles.size(), 2u);
  EXPECT_TRUE(singles[0].resource_logs(0).has_resource());
  EXPECT_FALSE(singles[0].resource_logs(0).scope_logs(0).has_scope());
  EXPECT_FALSE(singles[1].resource_logs(0).has_resource());
  EXPECT_EQ(singles[1].resource_logs(0).schema_url(), "");
  EXPECT_EQ(singles[1].resource_logs(0).scope_logs(0).log_records(0).severity_text(), "second");
}

metrics::Metric* add_metric(metrics::ScopeMetrics& scope, const std::string& name) {
  auto* metric = scope.add_metrics();
  metric->set_name(name);
  metric->set_description("about " + name);
  metric->set_unit("1");
  add_string(*metric->mutable_metadata(), "meta", name);
  return metric;
}

// The expected single-point request for point `p` of metric `m`: the metric with all other
// points removed.
ExportMetricsServiceRequest expected_point(const ExportMetricsServiceRequest& request, int r, int s,
                                           int m, int p) {
  ExportMetricsServiceRequest expected;
  auto* rm = expected.add_resource_metrics();
  *rm->mutable_resource() = request.resource_metrics(r).resource();
  rm->set_schema_url(request.resource_metrics(r).schema_url());
  auto* sm = rm->add_scope_metrics();
  *sm->mutable_scope() = request.resource_metrics(r).scope_metrics(s).scope();
  sm->set_schema_url(request.resource_metrics(r).scope_metrics(s).schema_url());
  auto* metric = sm->add_metrics();
  *metric = request.resource_metrics(r).scope_metrics(s).metrics(m);
  auto keep_one = [p](auto* points) {
    auto kept = points->Get(p);
    points->Clear();
    *points->Add() = kept;
  };
  switch (metric->data_case()) {
    case metrics::Metric::kGauge:
      keep_one(metric->mutable_gauge()->mutable_data_points());
      break;
    case metrics::Metric::kSum:
      keep_one(metric->mutable_sum()->mutable_data_points());
      break;
    case metrics::Metric::kHistogram:
      keep_one(metric->mutable_histogram()->mutable_data_points());
      break;
    case metrics::Metric::kExponentialHistogram:
      keep_one(metric->mutable_exponential_histogram()->mutable_data_points());
      break;
    case metrics::Metric::kSummary:
      keep_one(metric->mutable_summary()->mutable_data_points());
      break;
    case metrics::Metric::DATA_NOT_SET:
      break;
  }
  return expected;
}

TEST(ItemSplit, MetricsOnePointPerRequestWithTheMetricsShell) {
  ExportMetricsServiceRequest request;
  for (int r = 0; r < 2; ++r) {
    auto* rm = request.add_resource_metrics();
    fill_resource(*rm, r);
    for (int s = 0; s < 2; ++s) {
      auto* sm = rm->add_scope_metrics();
      fill_scope(*sm, r, s);
      auto* gauge = add_metric(*sm, "gauge");
      for (int i = 0; i < 3; ++i) gauge->mutable_gauge()->add_data_points()->set_as_int(i);
      auto* sum = add_metric(*sm, "sum");
      sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
      sum->mutable_sum()->set_is_monotonic(true);
      for (int i = 0; i < 2; ++i) sum->mutable_sum()->add_data_points()->set_as_double(i + 0.5);
      add_metric(*sm, "no-data");  // contributes no points
      auto* histogram = add_metric(*sm, "histogram");
      histogram->mutable_histogram()->set_aggregation_temporality(
          metrics::AGGREGATION_TEMPORALITY_DELTA);
      for (int i = 0; i < 2; ++i) {
        auto* point = histogram->mutable_histogram()->add_data_points();
        point->set_count(i + 1);
        point->add_bucket_counts(i + 1);
        point->set_sum(i);
      }
      auto* exponential = add_metric(*sm, "exponential");
      exponential->mutable_exponential_histogram()->set_aggregation_temporality(
          metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
      auto* point = exponential->mutable_exponential_histogram()->add_data_points();
      point->set_scale(3);
      point->mutable_negative()->set_offset(-2);
      point->mutable_negative()->add_bucket_counts(5);
      auto* summary = add_metric(*sm, "summary");
      for (int i = 0; i < 2; ++i) {
        auto* q = summary->mutable_summary()->add_data_points()->add_quantile_values();
        q->set_quantile(0.5);
        q->set_value(i);
      }
      add_metric(*sm, "empty-gauge")->mutable_gauge();  // a type but no points
    }
  }
  constexpr int kPointsPerScope = 3 + 2 + 0 + 2 + 1 + 2 + 0;

  std::vector<ExportMetricsServiceRequest> singles;
  auto count = split_all(core::Signal::kMetrics, request.SerializeAsString(), singles);
  ASSERT_TRUE(count.has_value()) << count.error().message;
  EXPECT_EQ(*count, 4u * kPointsPerScope);
  ASSERT_EQ(singles.size(), 4u * kPointsPerScope);

  std::size_t n = 0;
  for (int r = 0; r < 2; ++r) {
    for (int s = 0; s < 2; ++s) {
      const auto& sm = request.resource_metrics(r).scope_metrics(s);
      for (int m = 0; m < sm.metrics_size(); ++m) {
        const auto& metric = sm.metrics(m);
        int points = 0;
        if (metric.has_gauge()) points = metric.gauge().data_points_size();
        if (metric.has_sum()) points = metric.sum().data_points_size();
        if (metric.has_histogram()) points = metric.histogram().data_points_size();
        if (metric.has_exponential_histogram()) {
          points = metric.exponential_histogram().data_points_size();
        }
        if (metric.has_summary()) points = metric.summary().data_points_size();
        for (int p = 0; p < points; ++p, ++n) {
          ASSERT_LT(n, singles.size());
          const auto expected = expected_point(request, r, s, m, p);
          EXPECT_TRUE(MessageDifferencer::Equals(singles[n], expected))
              << "item " << n << ":\n"
              << singles[n].DebugString() << "\nexpected:\n"
              << expected.DebugString();
        }
      }
    }
  }
  EXPECT_EQ(n, singles.size());
}

TEST(ItemSplit, ReportsTheRealCountAndAcceptsEmptyRequests) {
  std::vector<ExportTraceServiceRequest> singles;
  auto empty = split_all(core::Signal::kTraces, "", singles);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, 0u);

  ExportTraceServiceRequest request;
  request.add_resource_spans()->add_scope_spans();  // groups without spans
  auto groups_only = split_all(core::Signal::kTraces, request.SerializeAsString(), singles);
  ASSERT_TRUE(groups_only.has_value());
  EXPECT_EQ(*groups_only, 0u);
  EXPECT_TRUE(singles.empty());
}

TEST(ItemSplit, CorruptPayloadIsAnErrorAndVisitsNothing) {
  ExportTraceServiceRequest request;
  auto* ss = request.add_resource_spans()->add_scope_spans();
  ss->add_spans()->set_name("a");
  ss->add_spans()->set_name("b");
  std::string payload = request.SerializeAsString();
  payload.pop_back();  // truncated inside the last span

  int visits = 0;
  auto count = for_each_item(core::Signal::kTraces, payload,
                             [&visits](const google::protobuf::Message&) { ++visits; });
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().message,
            fmt::format("malformed ExportTraceServiceRequest ({} bytes)", payload.size()));
  EXPECT_EQ(visits, 0);

  auto garbage = for_each_item(core::Signal::kMetrics, "\xff\xff\xff\xff",
                               [&visits](const google::protobuf::Message&) { ++visits; });
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().message, "malformed ExportMetricsServiceRequest (4 bytes)");
  auto logs = for_each_item(core::Signal::kLogs, "\x0a\x05\x01",
                            [&visits](const google::protobuf::Message&) { ++visits; });
  ASSERT_FALSE(logs.has_value());
  EXPECT_EQ(logs.error().message, "malformed ExportLogsServiceRequest (3 bytes)");
  EXPECT_EQ(visits, 0);
}

}  // namespace
}  // namespace vigil::otlp
