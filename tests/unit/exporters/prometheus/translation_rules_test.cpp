// The standard OTLP-to-Prometheus rules through the translator: types, suffixes, histograms,
// summaries, job/instance, target_info, label sanitising, collisions and empty values.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using testing::Attrs;
using ::testing::ElementsAre;
using testing::kSecond;
using testing::kT0;
using testing::kT0Ms;
using testing::RequestBuilder;
namespace pb_metrics = testing::pb_metrics;

std::vector<std::string> lines_of(const RequestBuilder& request,
                                  TranslationOptions options = testing::plain_options(),
                                  TranslationStats* stats = nullptr) {
  Translator translator(std::move(options));
  return testing::translate(translator, request, stats).lines();
}

TEST(TranslationRules, GaugesAndSums) {
  RequestBuilder request;
  request.gauge("queue.depth", "{item}", {{"queue", "a"}}, 7);
  request.gauge("cpu.utilization", "1", {}, 0.25);
  request.sum("http.requests", "{request}", {{"code", "200"}}, 1027);
  request.sum("db.connections", "{connection}", {}, 3, /*monotonic=*/false);
  request.sum("process.cpu.time", "s", {}, 12.5);
  request.gauge("memory.used", "By", {}, 1024)->set_as_int(1024);
  EXPECT_THAT(lines_of(request),
              ElementsAre(R"(queue_depth{queue="a"} 7)",  //
                          "cpu_utilization_ratio 0.25", R"(http_requests_total{code="200"} 1027)",
                          "db_connections 3",  // non-monotonic: a gauge
                          "process_cpu_time_seconds_total 12.5", "memory_used_bytes 1024"));
}

TEST(TranslationRules, FamilyMetadataAndTimestamps) {
  RequestBuilder request;
  request.metric("x")->set_description("ignored: no data");  // a metric without data
  auto* p = request.sum("http.server.duration", "s", {}, 3);
  p->set_time_unix_nano(kT0 + 1'999'999);  // 1.999999 ms: truncated to 1 ms
  request.request()
      .mutable_resource_metrics(0)
      ->mutable_scope_metrics(0)
      ->mutable_metrics(1)
      ->set_description("Time spent.");
  Translator translator(testing::plain_options());
  const auto sink = testing::translate(translator, request);
  ASSERT_EQ(sink.samples.size(), 1u);
  const auto& s = sink.samples[0];
  EXPECT_EQ(s.family, "http_server_duration_seconds_total");
  EXPECT_EQ(s.kind, MetricKind::kCounter);
  EXPECT_EQ(s.help, "Time spent.");
  EXPECT_EQ(s.unit, "seconds");
  EXPECT_EQ(s.timestamp_ms, kT0Ms + 1);
  EXPECT_EQ(s.start_ms, kT0Ms - 60'000);
}

TEST(TranslationRules, HistogramBucketsSumCountAndInf) {
  RequestBuilder request;
  request.histogram("http.server.duration", "ms", {{"route", "/a"}}, {5, 10, 25}, {1, 2, 3, 4},
                    123.5);
  Translator translator(testing::plain_options());
  const auto sink = testing::translate(translator, request);
  EXPECT_THAT(sink.lines(),
              ElementsAre(R"(http_server_duration_milliseconds_bucket{le="5",route="/a"} 1)",
                          R"(http_server_duration_milliseconds_bucket{le="10",route="/a"} 3)",
                          R"(http_server_duration_milliseconds_bucket{le="25",route="/a"} 6)",
                          R"(http_server_duration_milliseconds_bucket{le="+Inf",route="/a"} 10)",
                          R"(http_server_duration_milliseconds_sum{route="/a"} 123.5)",
                          R"(http_server_duration_milliseconds_count{route="/a"} 10)"));
  for (const auto& s : sink.samples) {
    EXPECT_EQ(s.family, "http_server_duration_milliseconds");
    EXPECT_EQ(s.kind, MetricKind::kHistogram);
  }
}

TEST(TranslationRules, HistogramWithoutSumOrBuckets) {
  RequestBuilder request;
  auto* p = request.histogram("h", "", {}, {}, {}, 0);
  p->clear_sum();
  p->set_count(4);
  EXPECT_THAT(lines_of(request), ElementsAre(R"(h_bucket{le="+Inf"} 4)", "h_count 4"));
}

TEST(TranslationRules, InvalidHistogramsAreDroppedAndCounted) {
  RequestBuilder request;
  request.histogram("h", "", {}, {1, 2}, {1, 1}, 0);     // one count short
  request.histogram("g", "", {}, {2, 1}, {1, 1, 1}, 0);  // bounds not increasing
  request.histogram("k", "", {}, {1, 2}, {1, 1, 1}, 0);  // fine
  TranslationStats stats;
  const auto lines = lines_of(request, testing::plain_options(), &stats);
  EXPECT_EQ(lines.size(), 5u);
  EXPECT_EQ(stats.points, 3u);
  EXPECT_EQ(stats.dropped_invalid, 2u);
  EXPECT_EQ(stats.samples, 5u);
}

TEST(TranslationRules, AnAttributeNamedLeIsReplaced) {
  RequestBuilder request;
  request.histogram("h", "", {{"le", "x"}}, {1}, {1, 1}, 2);
  EXPECT_THAT(lines_of(request), ElementsAre(R"(h_bucket{le="1"} 1)", R"(h_bucket{le="+Inf"} 2)",
                                             "h_sum 2", "h_count 2"));
}

TEST(TranslationRules, Summaries) {
  RequestBuilder request;
  request.summary("rpc.duration", "s", {{"method", "Get"}}, {{0.5, 0.01}, {0.99, 0.25}}, 100, 4.5);
  Translator translator(testing::plain_options());
  const auto sink = testing::translate(translator, request);
  EXPECT_THAT(sink.lines(),
              ElementsAre(R"(rpc_duration_seconds{method="Get",quantile="0.5"} 0.01)",
                          R"(rpc_duration_seconds{method="Get",quantile="0.99"} 0.25)",
                          R"(rpc_duration_seconds_sum{method="Get"} 4.5)",
                          R"(rpc_duration_seconds_count{method="Get"} 100)"));
  EXPECT_EQ(sink.samples[0].kind, MetricKind::kSummary);
  EXPECT_EQ(sink.samples[0].family, "rpc_duration_seconds");
}

TEST(TranslationRules, ExponentialHistogramsBecomeClassicBuckets) {
  RequestBuilder request;
  auto* e = request.metric("latency", "s")->mutable_exponential_histogram();
  e->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = e->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_scale(0);  // base 2: bucket i = (2^i, 2^(i+1)]
  p->set_zero_count(1);
  p->mutable_positive()->set_offset(1);  // (2,4], (4,8]
  p->mutable_positive()->add_bucket_counts(2);
  p->mutable_positive()->add_bucket_counts(3);
  p->mutable_negative()->set_offset(0);  // [-2,-1)
  p->mutable_negative()->add_bucket_counts(4);
  p->set_count(10);
  p->set_sum(12);
  EXPECT_THAT(
      lines_of(request),
      ElementsAre(R"(latency_seconds_bucket{le="-1"} 4)", R"(latency_seconds_bucket{le="0"} 5)",
                  R"(latency_seconds_bucket{le="4"} 7)", R"(latency_seconds_bucket{le="8"} 10)",
                  R"(latency_seconds_bucket{le="+Inf"} 10)", "latency_seconds_sum 12",
                  "latency_seconds_count 10"));
}

TEST(TranslationRules, ExponentialHistogramFineScaleAndInvalidScale) {
  RequestBuilder request;
  auto* e = request.metric("x", "")->mutable_exponential_histogram();
  e->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = e->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_scale(1);  // base sqrt(2): index 1 = (sqrt2, 2], index 2 = (2, 2 sqrt2]
  p->mutable_positive()->set_offset(1);
  p->mutable_positive()->add_bucket_counts(1);
  p->mutable_positive()->add_bucket_counts(1);
  p->set_count(2);
  auto* bad = e->add_data_points();
  bad->set_time_unix_nano(kT0);
  bad->set_scale(21);
  TranslationStats stats;
  EXPECT_THAT(lines_of(request, testing::plain_options(), &stats),
              ElementsAre(R"(x_bucket{le="2"} 1)", R"(x_bucket{le="2.8284271247461903"} 2)",
                          R"(x_bucket{le="+Inf"} 2)", "x_count 2"));  // no sum: none
  EXPECT_EQ(stats.dropped_invalid, 1u);
}

TEST(TranslationRules, JobInstanceAndTargetInfo) {
  RequestBuilder request({{"service.name", "checkout"},
                          {"service.namespace", "shop"},
                          {"service.instance.id", "pod-7"},
                          {"host.name", "web-1"},
                          {"deployment.environment", "prod"},
                          {"empty", ""}},
                         "io.opentelemetry.sdk", "1.2.3");
  request.gauge("g", "", {{"a", "b"}}, 1, kT0);
  request.gauge("h", "", {}, 2, kT0 + 5 * kSecond);
  TranslationOptions options;
  Translator translator(options);
  const auto sink = testing::translate(translator, request);
  EXPECT_THAT(sink.lines(),
              ElementsAre(R"(g{a="b",instance="pod-7",job="shop/checkout",)"
                          R"(otel_scope_name="io.opentelemetry.sdk",otel_scope_version="1.2.3"} 1)",
                          R"(h{instance="pod-7",job="shop/checkout",)"
                          R"(otel_scope_name="io.opentelemetry.sdk",otel_scope_version="1.2.3"} 2)",
                          R"(target_info{deployment_environment="prod",host_name="web-1",)"
                          R"(instance="pod-7",job="shop/checkout"} 1)"));
  // At the resource's latest sample.
  EXPECT_EQ(sink.samples.back().timestamp_ms, kT0Ms + 5000);
  EXPECT_EQ(sink.samples.back().family, "target_info");
  EXPECT_EQ(sink.samples.back().kind, MetricKind::kGauge);
}

TEST(TranslationRules, JobWithoutNamespaceNoInstanceNoTargetInfo) {
  RequestBuilder request(Attrs{{"service.name", "api"}});
  request.gauge("g", "", {}, 1);
  // Only job/instance attributes: no target_info.
  EXPECT_THAT(lines_of(request, TranslationOptions{}), ElementsAre(R"(g{job="api"} 1)"));
  TranslationOptions off;
  off.job_instance_labels = false;
  EXPECT_THAT(lines_of(request, off), ElementsAre("g 1"));
}

TEST(TranslationRules, ResourceLabelsWinOverAttributes) {
  RequestBuilder request(Attrs{{"service.name", "api"}});
  request.gauge("g", "", {{"job", "mine"}, {"otel_scope_name", "x"}}, 1);
  TranslationOptions options = testing::plain_options();
  EXPECT_THAT(lines_of(request, options), ElementsAre(R"(g{job="api",otel_scope_name="x"} 1)"));
}

TEST(TranslationRules, ExternalLabelsNeverOverride) {
  RequestBuilder request;
  request.gauge("g", "", {{"env", "staging"}, {"region", ""}}, 1);
  TranslationOptions options = testing::plain_options();
  options.extra_labels = {{"env", "prod"}, {"cluster", "eu-1"}, {"region", "eu"}};
  // env from the point wins; region's empty value is no label, so the external one applies.
  EXPECT_THAT(lines_of(request, options),
              ElementsAre(R"(g{cluster="eu-1",env="staging",region="eu"} 1)"));
}

TEST(TranslationRules, LabelsSanitisedSortedCollisionsJoined) {
  RequestBuilder request;
  request.gauge("g", "",
                {{"z", "last"},
                 {"http.method", "GET"},
                 {"http_method", "POST"},  // collides with http.method: joined by original key
                 {"Upper", "u"},           // sorts before lowercase (byte order)
                 {"2fa", "yes"},
                 {"_hidden", "h"},
                 {"empty", ""},    // dropped
                 {"", "no key"}},  // dropped
                1);
  EXPECT_THAT(lines_of(request), ElementsAre(R"(g{Upper="u",http_method="GET;POST",key_2fa="yes",)"
                                             R"(key_hidden="h",z="last"} 1)"));
}

TEST(TranslationRules, NonStringAttributeValues) {
  RequestBuilder request;
  auto* p = request.gauge("g", "", {}, 1);
  auto add = [&](const char* key) {
    auto* kv = p->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("int")->set_int_value(-42);
  add("bool")->set_bool_value(true);
  add("double")->set_double_value(0.5);
  add("bytes")->set_bytes_value("hi!");
  auto* array = add("array")->mutable_array_value();
  array->add_values()->set_string_value("a\"b");
  array->add_values()->set_int_value(1);
  auto* map = add("map")->mutable_kvlist_value()->add_values();
  map->set_key("k");
  map->mutable_value()->set_bool_value(false);
  EXPECT_THAT(lines_of(request),
              ElementsAre(R"(g{array="["a\"b",1]",bool="true",bytes="aGkh",double="0.5",)"
                          R"(int="-42",map="{"k":false}"} 1)"));
}

TEST(TranslationRules, NoRecordedValueIsTheStalenessMarker) {
  RequestBuilder request;
  request.gauge("g", "", {}, 5)->set_flags(1);
  request.histogram("h", "", {}, {1}, {1, 1}, 3)->set_flags(1);
  EXPECT_THAT(lines_of(request),
              ElementsAre("g stale", R"(h_bucket{le="1"} stale)", R"(h_bucket{le="+Inf"} stale)",
                          "h_sum stale", "h_count stale"));
}

TEST(TranslationRules, PointsWithoutTimestampOrNameAreDroppedAndCounted) {
  RequestBuilder request;
  request.gauge("g", "", {}, 1, 0);
  request.gauge("...", "", {}, 1);
  request.histogram("!!", "", {}, {1}, {1, 1}, 3);
  request.gauge("ok", "", {}, 1);
  TranslationStats stats;
  EXPECT_THAT(lines_of(request, testing::plain_options(), &stats), ElementsAre("ok 1"));
  EXPECT_EQ(stats.points, 4u);
  EXPECT_EQ(stats.dropped_no_timestamp, 1u);
  EXPECT_EQ(stats.dropped_invalid, 2u);
  EXPECT_EQ(stats.dropped(), 3u);
}

TEST(TranslationRules, SamplesFollowTheRequestsOrder) {
  // Two points of one series in one request: handed over in request order, each with its own
  // timestamp (remote write sorts a series' samples by time; the pull endpoint keeps the last).
  RequestBuilder request;
  auto* g = request.metric("g")->mutable_gauge();
  RequestBuilder::number(g->add_data_points(), {}, 1, 0, kT0);
  RequestBuilder::number(g->add_data_points(), {}, 2, 0, kT0 + kSecond);
  Translator translator(testing::plain_options());
  const auto sink = testing::translate(translator, request);
  ASSERT_EQ(sink.samples.size(), 2u);
  EXPECT_EQ(sink.samples[0].timestamp_ms, kT0Ms);
  EXPECT_EQ(sink.samples[1].timestamp_ms, kT0Ms + 1000);
}

TEST(TranslationRules, GarbageIsAnError) {
  Translator translator(testing::plain_options());
  testing::RecordingSink sink;
  EXPECT_FALSE(translator.translate("\xff\xff\xff", sink).has_value());
  EXPECT_TRUE(translator.translate("", sink).has_value());  // an empty request is valid
  EXPECT_TRUE(sink.samples.empty());
}

}  // namespace
}  // namespace vigil::exporters::prometheus
