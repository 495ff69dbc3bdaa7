// The WriteRequest encoder, checked by decoding its bodies with the protobuf classes generated
// from agent/proto/prometheus/remote.proto (not by the encoder's own code).

#include "exporters/prometheus/remote_write_encoder.h"

#include <bit>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "prometheus/remote.pb.h"
#include "tests/unit/exporters/prometheus/translation_test_support.h"

namespace vigil::exporters::prometheus {
namespace {

using ::testing::ElementsAre;
using testing::kT0Ms;
using testing::RequestBuilder;

const FamilyView kFamily{"f", MetricKind::kGauge, "", ""};

::prometheus::WriteRequest decode(const EncodedWriteRequest& request) {
  ::prometheus::WriteRequest parsed;
  EXPECT_TRUE(parsed.ParseFromString(request.body));
  return parsed;
}

// name{labels} v@ts v@ts ... for each series of a request.
std::vector<std::string> series_lines(const ::prometheus::WriteRequest& request) {
  std::vector<std::string> out;
  for (const auto& ts : request.timeseries()) {
    std::string line;
    for (const auto& l : ts.labels()) line += l.name() + "=" + l.value() + ",";
    for (const auto& s : ts.samples()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %.17g@%lld", s.value(),
                    static_cast<long long>(s.timestamp()));
      line += buf;
    }
    out.push_back(line);
  }
  return out;
}

TEST(RemoteWriteEncoder, TheSpecsWorkedExample) {
  // PROTOCOLS.md 4.1: {__name__="up", job="a"} 1 @ 1700000000000 is these 46 bytes.
  WriteRequestEncoder encoder(100);
  const LabelView labels[] = {{"job", "a"}};
  encoder.sample(kFamily, "up", labels, 1.0, 1'700'000'000'000, 0);
  const auto requests = encoder.finish();
  ASSERT_EQ(requests.size(), 1u);
  std::string hex;
  for (unsigned char c : requests[0].body) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  EXPECT_EQ(hex,
            "0a2c0a0e0a085f5f6e616d655f5f120275700a080a036a6f62120161121009000000000000f03f1080d095"
            "ffbc31");
}

TEST(RemoteWriteEncoder, NameLabelInByteOrder) {
  WriteRequestEncoder encoder(100);
  // Upper-case names sort before "__name__", lower-case ones after.
  const LabelView labels[] = {{"A", "1"}, {"Zed", "2"}, {"a", "3"}};
  encoder.sample(kFamily, "m", labels, 2, kT0Ms, 0);
  const auto request = decode(encoder.finish().at(0));
  EXPECT_THAT(series_lines(request), ElementsAre("A=1,Zed=2,__name__=m,a=3, 2@1700000000000"));
}

TEST(RemoteWriteEncoder, SamplesOfASeriesGroupedAndInTimestampOrder) {
  WriteRequestEncoder encoder(100);
  const LabelView a[] = {{"k", "a"}};
  const LabelView b[] = {{"k", "b"}};
  encoder.sample(kFamily, "m", a, 3, 3000, 0);
  encoder.sample(kFamily, "m", b, 9, 1000, 0);
  encoder.sample(kFamily, "m", a, 1, 1000, 0);
  encoder.sample(kFamily, "m", a, 2, 2000, 0);
  encoder.sample(kFamily, "other", a, 5, 1000, 0);
  EXPECT_EQ(encoder.series(), 3u);
  EXPECT_EQ(encoder.samples(), 5u);
  const auto requests = encoder.finish();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].series, 3u);
  EXPECT_EQ(requests[0].samples, 5u);
  EXPECT_THAT(series_lines(decode(requests[0])),
              ElementsAre("__name__=m,k=a, 1@1000 2@2000 3@3000", "__name__=m,k=b, 9@1000",
                          "__name__=other,k=a, 5@1000"));
  // finish() starts over.
  EXPECT_EQ(encoder.samples(), 0u);
  EXPECT_TRUE(encoder.finish().empty());
}

TEST(RemoteWriteEncoder, ALaterSampleAtTheSameTimeSupersedes) {
  WriteRequestEncoder encoder(100);
  const LabelView a[] = {{"k", "a"}};
  encoder.sample(kFamily, "m", a, 1, 2000, 0);
  encoder.sample(kFamily, "m", a, 2, 1000, 0);
  encoder.sample(kFamily, "m", a, 3, 2000, 0);
  encoder.sample(kFamily, "m", a, 4, 1000, 0);
  encoder.sample(kFamily, "m", a, 5, 3000, 0);
  const auto requests = encoder.finish();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].samples, 3u);
  EXPECT_THAT(series_lines(decode(requests[0])),
              ElementsAre("__name__=m,k=a, 4@1000 3@2000 5@3000"));
}

TEST(RemoteWriteEncoder, RequestsHoldAtMostMaxSamplesAndKeepSeriesWhole) {
  WriteRequestEncoder encoder(4);
  const LabelView x[] = {{"s", "x"}};
  const LabelView y[] = {{"s", "y"}};
  const LabelView z[] = {{"s", "z"}};
  for (int i = 0; i < 3; ++i) encoder.sample(kFamily, "m", x, i, 1000 + i, 0);
  for (int i = 0; i < 2; ++i) encoder.sample(kFamily, "m", y, i, 1000 + i, 0);
  for (int i = 0; i < 10; ++i) encoder.sample(kFamily, "m", z, i, 1000 + i, 0);
  const auto requests = encoder.finish();
  std::vector<std::string> all;
  std::size_t total = 0;
  for (const auto& r : requests) {
    EXPECT_LE(r.samples, 4u);
    total += r.samples;
    for (auto& line : series_lines(decode(r))) all.push_back(line);
  }
  EXPECT_EQ(total, 15u);
  // x (3) fits; y (2) would not fit beside it, so it starts the next request; z (10) is
  // longer than any request and is split in timestamp order, filling y's request first.
  EXPECT_THAT(all, ElementsAre("__name__=m,s=x, 0@1000 1@1001 2@1002",
                               "__name__=m,s=y, 0@1000 1@1001", "__name__=m,s=z, 0@1000 1@1001",
                               "__name__=m,s=z, 2@1002 3@1003 4@1004 5@1005",
                               "__name__=m,s=z, 6@1006 7@1007 8@1008 9@1009"));
  ASSERT_EQ(requests.size(), 4u);
}

TEST(RemoteWriteEncoder, SpecialValuesAndTimestamps) {
  WriteRequestEncoder encoder(10);
  encoder.sample(kFamily, "nan", {}, std::bit_cast<double>(kStaleNaN), 0, 0);
  encoder.sample(kFamily, "neg", {}, -1.5, -5, 0);  // before 1970: a 10-byte varint
  const auto request = decode(encoder.finish().at(0));
  ASSERT_EQ(request.timeseries_size(), 2);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(request.timeseries(0).samples(0).value()), kStaleNaN);
  EXPECT_EQ(request.timeseries(0).samples(0).timestamp(), 0);
  EXPECT_EQ(request.timeseries(1).samples(0).value(), -1.5);
  EXPECT_EQ(request.timeseries(1).samples(0).timestamp(), -5);
}

TEST(RemoteWriteEncoder, FromTheTranslator) {
  TranslationOptions options;
  options.scope_labels = false;
  options.extra_labels = {{"cluster", "eu"}};
  Translator translator(options);
  RequestBuilder request(testing::Attrs{{"service.name", "api"}, {"host.name", "h1"}});
  request.histogram("rpc.duration", "s", {{"method", "Get"}}, {0.1, 1}, {1, 2, 3}, 4.5);
  request.sum("system.cpu.time", "s", {{"cpu", "0"}, {"state", "idle"}}, 12);
  WriteRequestEncoder encoder(1000);
  ASSERT_TRUE(translator.translate(request.bytes(), encoder).has_value());
  EXPECT_THAT(
      series_lines(decode(encoder.finish().at(0))),
      ElementsAre("__name__=rpc_duration_seconds_bucket,cluster=eu,job=api,le=0.1,method=Get, "
                  "1@1700000000000",
                  "__name__=rpc_duration_seconds_bucket,cluster=eu,job=api,le=1,method=Get, "
                  "3@1700000000000",
                  "__name__=rpc_duration_seconds_bucket,cluster=eu,job=api,le=+Inf,method=Get, "
                  "6@1700000000000",
                  "__name__=rpc_duration_seconds_sum,cluster=eu,job=api,method=Get, "
                  "4.5@1700000000000",
                  "__name__=rpc_duration_seconds_count,cluster=eu,job=api,method=Get, "
                  "6@1700000000000",
                  "__name__=node_cpu_seconds_total,cluster=eu,cpu=0,job=api,mode=idle, "
                  "12@1700000000000",
                  "__name__=target_info,cluster=eu,host_name=h1,job=api, 1@1700000000000"));
}

}  // namespace
}  // namespace vigil::exporters::prometheus
