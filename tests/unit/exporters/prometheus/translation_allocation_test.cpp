// Counts heap allocations of warm translations. This file includes counting_operator_new.h, which
// replaces the global operator new and delete of the whole unit_exporters_prometheus executable.
#include <gtest/gtest.h>

#include <cstdlib>

#include "exporters/prometheus/node_exporter_names.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"
#include "tests/unit/support/counting_operator_new.h"

namespace vigil::exporters::prometheus {
namespace {

namespace pb_metrics = testing::pb_metrics;
using testing::Attrs;
using testing::kSecond;
using testing::kT0;
using testing::RequestBuilder;

// Receives samples and keeps nothing, so only the translation's allocations are counted; it
// counts what it saw so the test knows the translation did its work.
class CountingSink final : public SampleSink {
 public:
  void sample(const FamilyView&, std::string_view, std::span<const LabelView> labels, double,
              std::int64_t, std::int64_t) override {
    ++samples;
    labels_seen += labels.size();
  }
  std::size_t samples = 0;
  std::size_t labels_seen = 0;
};

// A point of every node_exporter table row (every name choice, meminfo fields), with the
// attributes the host collector sends (collectors/host), at time `t`.
void add_host_metrics(RequestBuilder& b, std::uint64_t t, std::uint64_t& points) {
  for (const NodeExporterRow& row : node_exporter_rows()) {
    std::vector<std::string> chooser_values;
    for (const auto& choice : row.choices) chooser_values.emplace_back(choice.value);
    if (row.rule == NameRule::kMeminfoBytes || row.rule == NameRule::kMeminfoCount) {
      chooser_values = {"MemTotal", "MemAvailable", "Cached", "SReclaimable", "Active(anon)"};
    }
    if (chooser_values.empty()) chooser_values.emplace_back();
    pb_metrics::Metric* m = b.metric(std::string(row.metric), "s", "from the table");
    google::protobuf::RepeatedPtrField<pb_metrics::NumberDataPoint>* data_points = nullptr;
    if (row.shape == HostShape::kGauge) {
      data_points = m->mutable_gauge()->mutable_data_points();
    } else {
      auto* sum = m->mutable_sum();
      sum->set_is_monotonic(row.shape == HostShape::kCounter);
      sum->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
      data_points = sum->mutable_data_points();
    }
    // Eight CPUs; two devices, file systems or interfaces.
    const bool per_cpu = row.metric.starts_with("system.cpu.");
    const bool per_fs = row.metric.starts_with("system.filesystem.");
    for (int copy = 0; copy < (per_cpu ? 8 : 2); ++copy) {
      const std::string n = std::to_string(copy);
      for (const std::string& value : chooser_values) {
        Attrs attrs = {{"device", "nvme0n" + n}};
        if (per_cpu) attrs = {{"cpu", n}};
        if (per_fs)
          attrs = {{"device", "/dev/nvme0n1p" + n}, {"type", "ext4"}, {"mountpoint", "/" + n}};
        if (!row.attribute.empty() && !value.empty()) {
          attrs.emplace_back(std::string(row.attribute), value);
        }
        RequestBuilder::number(data_points->Add(), attrs, 12345.5, kT0 - 3600 * kSecond, t);
        ++points;
      }
    }
  }
}

// Metrics received over OTLP: the standard rules, every metric type, attributes of every
// AnyValue type, a delta sum and a delta histogram (delta-to-cumulative state).
void add_application_metrics(RequestBuilder& b, std::uint64_t t, std::uint64_t& points) {
  auto* p = b.sum("http.server.requests.handled.by.this.service", "{request}",
                  {{"http.request.method", "GET"}, {"url.scheme", "https"}}, 3, true, true,
                  t - 10 * kSecond, t);
  auto* kv = p->add_attributes();
  kv->set_key("attempt.number.of.this.request");
  kv->mutable_value()->set_int_value(123456789012345);
  kv = p->add_attributes();
  kv->set_key("sampled");
  kv->mutable_value()->set_bool_value(true);
  kv = p->add_attributes();
  kv->set_key("ratio");
  kv->mutable_value()->set_double_value(0.125);
  kv = p->add_attributes();
  kv->set_key("blob");
  kv->mutable_value()->set_bytes_value(std::string(40, '\x7f'));
  kv = p->add_attributes();
  kv->set_key("list.of.things.long.enough");
  auto* array = kv->mutable_value()->mutable_array_value();
  array->add_values()->set_string_value("a string longer than the small-string buffer");
  array->add_values()->set_int_value(7);
  kv = p->add_attributes();
  kv->set_key("map");
  auto* entry = kv->mutable_value()->mutable_kvlist_value()->add_values();
  entry->set_key("nested.key.that.is.rather.long");
  entry->mutable_value()->set_double_value(2.5);
  ++points;

  b.histogram("http.server.request.duration", "s", {{"http.route", "/api/v1/items/{id}"}},
              {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
              {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 42.5, true, t, t - 10 * kSecond);
  ++points;
  b.summary("rpc.client.duration", "ms", {{"rpc.service", "inventory"}},
            {{0.5, 1.5}, {0.9, 7.25}, {0.99, 20}}, 100, 250, t);
  ++points;
  auto* e = b.metric("queue.wait.time", "s", "Time in the queue")->mutable_exponential_histogram();
  // Delta: accumulated in CumulativeState, into buckets whose capacity is reused.
  e->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* ep = e->add_data_points();
  testing::set_attrs(ep->mutable_attributes(), {{"queue.name", "a-queue-with-a-long-name"}});
  ep->set_start_time_unix_nano(t - 10 * kSecond);
  ep->set_time_unix_nano(t);
  ep->set_scale(2);
  ep->set_zero_count(1);
  ep->mutable_positive()->set_offset(-3);
  for (int i = 0; i < 20; ++i) ep->mutable_positive()->add_bucket_counts(i % 3);
  ep->mutable_negative()->set_offset(1);
  ep->mutable_negative()->add_bucket_counts(2);
  ep->set_count(23);
  ep->set_sum(12.5);
  ++points;
}

TEST(TranslationAllocations, WarmTranslationOfAHostBatchAllocatesNothing) {
  TranslationOptions options;  // the defaults: node_exporter names, target_info, scope labels
  options.extra_labels = {{"cluster", "a-cluster-name-longer-than-sso"}};
  Translator translator(options);
  const Attrs resource = {{"host.name", "web-1.example.internal"},
                          {"os.type", "linux"},
                          {"service.name", "vigil-agent-on-this-host"},
                          {"service.namespace", "infrastructure"},
                          {"service.instance.id", "6f1c3c1e-9d3a-4c2a-9f55-1b2f8c6d7e8f"}};
  // Ten scrapes 10 s apart, serialized before counting starts (the collector does that).
  std::vector<std::string> requests;
  std::uint64_t points = 0;
  for (int i = 0; i < 10; ++i) {
    RequestBuilder b(resource, "github.com/vigil/collectors/host", "1.2.3-development");
    points = 0;
    const std::uint64_t t = kT0 + static_cast<std::uint64_t>(i) * 10 * kSecond;
    add_host_metrics(b, t, points);
    add_application_metrics(b, t, points);
    requests.push_back(b.bytes());
  }
  ASSERT_GT(points, 150u);  // the host collector sends ~200 on a small machine

  CountingSink sink;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(translator.translate(requests[i], sink));
  for (std::size_t i = 3; i < requests.size(); ++i) {
    sink = {};
    const std::uint64_t before = vigil::testing::allocation_count();
    auto stats = translator.translate(requests[i], sink);
    const std::uint64_t allocations = vigil::testing::allocation_count() - before;
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(allocations, 0u) << "translation " << i;
    EXPECT_EQ(stats->points, points);
    EXPECT_EQ(stats->dropped(), 0u);
    EXPECT_EQ(stats->samples, sink.samples);
    EXPECT_GT(sink.samples, points);  // histograms, summaries and target_info add samples
    EXPECT_GT(sink.labels_seen, 2 * sink.samples);
  }
  EXPECT_EQ(translator.delta_series(), 3u);  // the delta sum and the two histograms
}

TEST(TranslationAllocations, CountingWorks) {
  const std::uint64_t before = vigil::testing::allocation_count();
  auto p = std::make_unique<std::string>(100, 'x');
  EXPECT_GE(vigil::testing::allocation_count() - before, 1u);
}

}  // namespace
}  // namespace vigil::exporters::prometheus
