#include "collectors/host/metrics_encoder.h"

#include <gtest/gtest.h>

#include "agent/otlp/resource.h"
#include "collectors/host/host_scraper.h"
#include "tests/unit/collectors/host/host_test_support.h"

namespace vigil::collectors::host {
namespace {

using testing::Decoded;

MetricsEncoder make_encoder() {
  otlp::ResourceInfo resource;
  resource.attributes = {{"host.name", "web-1"}, {"os.type", "linux"}};
  return MetricsEncoder(encode_resource(resource), encode_scope("host", "1.2.3"));
}

TEST(MetricsEncoder, WritesWhatProtobufParses) {
  MetricsEncoder encoder = make_encoder();
  std::string out;
  encoder.begin_request();
  encoder.begin_metric({"a.counter", "A counter.", "s", MetricKind::kCounter});
  encoder.add_double({{"cpu", "0"}, {"state", "user"}}, 100, 200, 1.5);
  encoder.add_double({{"cpu", "1"}, {"state", "idle"}}, 100, 200, 2.25);
  encoder.end_metric();
  encoder.begin_metric({"a.gauge", "", "By", MetricKind::kGauge});
  encoder.add_int({}, 100, 200, -42);
  encoder.end_metric();
  encoder.begin_metric({"an.updown", "Up and down.", "", MetricKind::kUpDown});
  encoder.add_int({{"k", std::string(300, 'x')}}, 7, 200, 1LL << 40);
  encoder.end_metric();
  encoder.begin_metric({"empty", "No points: left out.", "1", MetricKind::kGauge});
  encoder.end_metric();
  EXPECT_EQ(encoder.finish_request(out), 4u);

  Decoded decoded(out);
  ASSERT_TRUE(decoded.parsed());
  const auto& rm = decoded.request().resource_metrics(0);
  ASSERT_EQ(rm.resource().attributes_size(), 2);
  EXPECT_EQ(rm.resource().attributes(0).key(), "host.name");
  EXPECT_EQ(rm.resource().attributes(0).value().string_value(), "web-1");
  ASSERT_EQ(rm.scope_metrics_size(), 1);
  EXPECT_EQ(rm.scope_metrics(0).scope().name(), "host");
  EXPECT_EQ(rm.scope_metrics(0).scope().version(), "1.2.3");
  ASSERT_EQ(rm.scope_metrics(0).metrics_size(), 3);
  const auto& counter = rm.scope_metrics(0).metrics(0);
  EXPECT_EQ(counter.description(), "A counter.");
  EXPECT_EQ(counter.unit(), "s");
  EXPECT_TRUE(counter.sum().is_monotonic());

  const auto user = decoded.get("a.counter", {{"cpu", "0"}, {"state", "user"}});
  EXPECT_EQ(user.kind, testing::Point::Kind::kCounter);
  EXPECT_EQ(user.start, 100u);
  EXPECT_EQ(user.time, 200u);
  EXPECT_DOUBLE_EQ(user.value, 1.5);
  EXPECT_FALSE(user.is_int);
  const auto gauge = decoded.get("a.gauge");
  EXPECT_EQ(gauge.start, 0u);  // gauges carry no start time
  EXPECT_TRUE(gauge.is_int);
  EXPECT_EQ(gauge.int_value, -42);
  const auto updown = decoded.get("an.updown", {{"k", std::string(300, 'x')}});
  EXPECT_EQ(updown.kind, testing::Point::Kind::kUpDown);
  EXPECT_EQ(updown.start, 7u);
  EXPECT_EQ(updown.int_value, 1LL << 40);
  EXPECT_FALSE(decoded.has("empty"));

  // The same bytes as protobuf's own serializer writes for the parsed message.
  EXPECT_EQ(decoded.request().SerializeAsString(), out);
}

TEST(MetricsEncoder, RequestsAreIndependentAndReuseTheBuffer) {
  MetricsEncoder encoder = make_encoder();
  std::string out;
  for (int round = 0; round < 3; ++round) {
    encoder.begin_request();
    encoder.begin_metric({"m", "", "1", MetricKind::kGauge});
    encoder.add_int({}, 0, 1, round);
    encoder.end_metric();
    EXPECT_EQ(encoder.finish_request(out), 1u);
    Decoded decoded(out);
    EXPECT_EQ(decoded.get("m").int_value, round);
  }
  encoder.begin_request();
  EXPECT_EQ(encoder.finish_request(out), 0u);
  Decoded empty(out);
  EXPECT_TRUE(empty.parsed());
  EXPECT_TRUE(empty.points().empty());
}

}  // namespace
}  // namespace vigil::collectors::host
