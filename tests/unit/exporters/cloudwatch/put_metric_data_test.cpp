#include "exporters/cloudwatch/put_metric_data.h"

#include <map>

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

// Decodes a form body into key -> value (every key appears once in a query-protocol body).
std::map<std::string, std::string> parse_form(const std::string& body) {
  auto decode = [](std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() + 0) {
        out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  };
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    const std::string_view pair(body.data() + pos, amp - pos);
    const auto eq = pair.find('=');
    EXPECT_NE(eq, std::string_view::npos) << pair;
    EXPECT_TRUE(out.emplace(decode(pair.substr(0, eq)), decode(pair.substr(eq + 1))).second)
        << "repeated key " << pair;
    pos = amp + 1;
  }
  return out;
}

MetricDatum value_datum(std::string name, double v) {
  MetricDatum d;
  d.name = std::move(name);
  d.value = v;
  d.timestamp_ms = 1'704'067'200'250;  // 2024-01-01T00:00:00.250Z
  d.unit = "Bytes/Second";
  d.storage_resolution = 1;
  d.dimensions = {{"host", "web 1"}, {"mount", "/var/lib"}};
  return d;
}

TEST(PutMetricData, EncodesEveryMemberOfADatum) {
  std::vector<MetricDatum> datums{value_datum("disk io", 1e100)};
  MetricDatum stats = value_datum("s", 0);
  stats.kind = MetricDatum::Kind::kStatistics;
  stats.statistics = {3, 6.5, 1, 4};
  stats.dimensions.clear();
  stats.storage_resolution = 60;
  stats.timestamp_ms = 1'704'067'200'000;
  datums.push_back(stats);
  MetricDatum values = stats;
  values.kind = MetricDatum::Kind::kValues;
  values.values = {1.5, 2};
  values.counts = {3, 1};
  datums.push_back(values);

  auto bodies = build_put_metric_data("Host/Agent", datums);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].datums, 3u);
  EXPECT_TRUE(bodies[0].body.starts_with(
      "Action=PutMetricData&Version=2010-08-01&Namespace=Host%2FAgent&MetricData.member.1."))
      << bodies[0].body;
  auto form = parse_form(bodies[0].body);
  EXPECT_EQ(form["MetricData.member.1.MetricName"], "disk io");
  EXPECT_EQ(form["MetricData.member.1.Value"], "1e+100");
  EXPECT_EQ(form["MetricData.member.1.Unit"], "Bytes/Second");
  EXPECT_EQ(form["MetricData.member.1.StorageResolution"], "1");
  EXPECT_EQ(form["MetricData.member.1.Timestamp"], "2024-01-01T00:00:00.250Z");
  EXPECT_EQ(form["MetricData.member.1.Dimensions.member.1.Name"], "host");
  EXPECT_EQ(form["MetricData.member.1.Dimensions.member.1.Value"], "web 1");
  EXPECT_EQ(form["MetricData.member.1.Dimensions.member.2.Value"], "/var/lib");
  EXPECT_EQ(form["MetricData.member.2.Timestamp"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(form["MetricData.member.2.StatisticValues.SampleCount"], "3");
  EXPECT_EQ(form["MetricData.member.2.StatisticValues.Sum"], "6.5");
  EXPECT_EQ(form["MetricData.member.2.StatisticValues.Minimum"], "1");
  EXPECT_EQ(form["MetricData.member.2.StatisticValues.Maximum"], "4");
  EXPECT_EQ(form["MetricData.member.2.StorageResolution"], "60");
  EXPECT_EQ(form.count("MetricData.member.2.Value"), 0u);
  EXPECT_EQ(form["MetricData.member.3.Values.member.1"], "1.5");
  EXPECT_EQ(form["MetricData.member.3.Values.member.2"], "2");
  EXPECT_EQ(form["MetricData.member.3.Counts.member.1"], "3");
  EXPECT_EQ(form["MetricData.member.3.Counts.member.2"], "1");
  EXPECT_EQ(form.size(), 3u + 9u + 8u + 8u);
}

TEST(PutMetricData, SplitsBy1000Datums) {
  std::vector<MetricDatum> datums(2500, value_datum("m", 1));
  auto bodies = build_put_metric_data("ns", datums);
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0].datums, 1000u);
  EXPECT_EQ(bodies[1].datums, 1000u);
  EXPECT_EQ(bodies[2].datums, 500u);
  // Each request numbers its members from 1.
  for (const auto& b : bodies) {
    auto form = parse_form(b.body);
    EXPECT_EQ(form.count("MetricData.member.1.MetricName"), 1u);
    EXPECT_EQ(form.count("MetricData.member." + std::to_string(b.datums) + ".MetricName"), 1u);
    EXPECT_EQ(form.count("MetricData.member." + std::to_string(b.datums + 1) + ".MetricName"), 0u);
  }
}

TEST(PutMetricData, SplitsBySizeWithinTheLimit) {
  MetricDatum big = value_datum("big", 1);
  for (int i = 0; i < 28; ++i)
    big.dimensions.push_back({"d" + std::to_string(i), std::string(1024, 'v')});
  std::vector<MetricDatum> datums(100, big);  // ~29 KB each: ~2.9 MB in all
  auto bodies = build_put_metric_data("ns", datums);
  ASSERT_GE(bodies.size(), 3u);
  std::size_t total = 0;
  for (const auto& b : bodies) {
    EXPECT_LE(b.body.size(), kMaxPutMetricDataBytes);
    total += b.datums;
  }
  EXPECT_EQ(total, 100u);
  EXPECT_GT(bodies[0].body.size(), kMaxPutMetricDataBytes - 40'000);  // filled, not split early
}

TEST(PutMetricData, FormEncodingLeavesOnlyUnreservedBytes) {
  std::string out;
  append_form_encoded("a-Z_0.9~ +/:=&\xc3\xa9", out);
  EXPECT_EQ(out, "a-Z_0.9~%20%2B%2F%3A%3D%26%C3%A9");
}

TEST(PutMetricData, Iso8601) {
  EXPECT_EQ(iso8601_from_ms(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_from_ms(951'782'400'007), "2000-02-29T00:00:00.007Z");
  EXPECT_EQ(iso8601_from_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
