#include "exporters/cloudwatch/emf_builder.h"

#include <rapidjson/document.h>

#include <cstdint>
#include <string_view>

#include <gtest/gtest.h>

namespace vigil::exporters::cloudwatch {
namespace {

// A checked view of a parsed JSON value: a missing member or index, or another type than the
// one read, fails the test (rather than reaching a RapidJSON assertion) and reads as 0 or "".
class Json {
 public:
  explicit Json(const rapidjson::Value* value) : value_(value) {}
  Json operator[](const char* key) const {
    if (value_ == nullptr || !value_->IsObject()) return missing(key);
    const auto member = value_->FindMember(key);
    return member == value_->MemberEnd() ? missing(key) : Json(&member->value);
  }
  Json at(std::size_t index) const {
    if (value_ == nullptr || !value_->IsArray() || index >= value_->Size()) return missing("[i]");
    return Json(&(*value_)[static_cast<rapidjson::SizeType>(index)]);
  }
  Json get_array() const { return value_ != nullptr && value_->IsArray() ? *this : missing("[]"); }
  std::size_t size() const { return value_ != nullptr && value_->IsArray() ? value_->Size() : 0; }
  explicit operator std::string_view() const {
    if (value_ == nullptr || !value_->IsString()) {
      missing("string");
      return std::string_view();
    }
    return std::string_view(value_->GetString(), value_->GetStringLength());
  }
  explicit operator std::int64_t() const {
    if (value_ == nullptr || !value_->IsInt64()) {
      missing("int64");
      return 0;
    }
    return value_->GetInt64();
  }
  explicit operator double() const {
    if (value_ == nullptr || !value_->IsNumber()) {
      missing("number");
      return 0.0;
    }
    return value_->GetDouble();
  }

 private:
  static Json missing(std::string_view what) {
    ADD_FAILURE() << "no " << what << " in the JSON";
    return Json(nullptr);
  }
  const rapidjson::Value* value_;
};

// parse() returns a view of the document it keeps (until the next parse()).
class JsonParser {
 public:
  Json parse(std::string_view text) {
    document_.Parse(text.data(), text.size());
    if (document_.HasParseError()) {
      ADD_FAILURE() << "not JSON: " << text;
      return Json(nullptr);
    }
    return Json(&document_);
  }

 private:
  rapidjson::Document document_;
};

MetricDatum datum(std::string name, double v, std::vector<Dimension> dims, std::int64_t ts = 1000) {
  MetricDatum d;
  d.name = std::move(name);
  d.value = v;
  d.dimensions = std::move(dims);
  d.timestamp_ms = ts;
  d.unit = "Bytes";
  return d;
}

TEST(EmfBuilder, DatumsWithTheSameDimensionsAndTimeShareOneEvent) {
  std::vector<MetricDatum> datums{
      datum("read", 1, {{"host", "h"}, {"device", "sda"}}),
      datum("write", 2, {{"host", "h"}, {"device", "sda"}}),
      datum("read", 3, {{"host", "h"}, {"device", "sdb"}}),
      datum("read", 4, {{"host", "h"}, {"device", "sda"}}, 500),
  };
  datums[1].storage_resolution = 1;
  auto events = build_emf_events("Host/Agent", datums);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].timestamp_ms, 500);  // time order
  JsonParser parser;
  Json e = parser.parse(events[1].message);
  EXPECT_EQ(int64_t(e["_aws"]["Timestamp"]), 1000);
  auto directive = e["_aws"]["CloudWatchMetrics"].at(0);
  EXPECT_EQ(std::string_view(directive["Namespace"]), "Host/Agent");
  auto dims = directive["Dimensions"].at(0).get_array();
  ASSERT_EQ(dims.size(), 2u);
  EXPECT_EQ(std::string_view(dims.at(0)), "host");
  EXPECT_EQ(std::string_view(dims.at(1)), "device");
  auto metrics = directive["Metrics"].get_array();
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(std::string_view(metrics.at(0)["Name"]), "read");
  EXPECT_EQ(std::string_view(metrics.at(0)["Unit"]), "Bytes");
  EXPECT_EQ(int64_t(metrics.at(0)["StorageResolution"]), 60);
  EXPECT_EQ(int64_t(metrics.at(1)["StorageResolution"]), 1);
  EXPECT_EQ(std::string_view(e["host"]), "h");
  EXPECT_EQ(std::string_view(e["device"]), "sda");
  EXPECT_EQ(double(e["read"]), 1);
  EXPECT_EQ(double(e["write"]), 2);
}

TEST(EmfBuilder, DistributionsBecomeArraysOrFourStatistics) {
  MetricDatum small = datum("lat", 0, {});
  small.kind = MetricDatum::Kind::kValues;
  small.values = {1.5, 3};
  small.counts = {2, 1};
  MetricDatum big = datum("size", 0, {}, 2000);
  big.kind = MetricDatum::Kind::kStatistics;
  big.statistics = {1000, 5000, 1, 40};
  auto events = build_emf_events("ns", std::vector<MetricDatum>{small, big});
  ASSERT_EQ(events.size(), 2u);
  JsonParser parser;
  Json a = parser.parse(events[0].message);
  auto values = a["lat"].get_array();
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(double(values.at(0)), 1.5);
  EXPECT_EQ(double(values.at(2)), 3);
  JsonParser parser2;
  Json b = parser2.parse(events[1].message);
  EXPECT_EQ(double(b["size.count"]), 1000);
  EXPECT_EQ(double(b["size.sum"]), 5000);
  EXPECT_EQ(double(b["size.min"]), 1);
  EXPECT_EQ(double(b["size.max"]), 40);
  EXPECT_EQ(b["_aws"]["CloudWatchMetrics"].at(0)["Metrics"].get_array().size(), 4u);
}

TEST(EmfBuilder, AtMostOneHundredMetricsPerEventAndNoNameTwice) {
  std::vector<MetricDatum> datums;
  for (int i = 0; i < 150; ++i)
    datums.push_back(datum("m" + std::to_string(i), i, {{"host", "h"}}));
  datums.push_back(datum("m0", 7, {{"host", "h"}}));    // same name again
  datums.push_back(datum("host", 9, {{"host", "h"}}));  // a metric named like a dimension
  auto events = build_emf_events("ns", datums);
  ASSERT_EQ(events.size(), 2u);
  JsonParser parser;
  std::size_t metrics = 0;
  for (const auto& ev : events) {
    Json e = parser.parse(ev.message);
    const auto n = e["_aws"]["CloudWatchMetrics"].at(0)["Metrics"].get_array().size();
    EXPECT_LE(n, kMaxEmfMetricsPerDirective);
    metrics += n;
    EXPECT_EQ(std::string_view(e["host"]), "h");
  }
  EXPECT_EQ(metrics, 152u);
  Json second = parser.parse(events[1].message);
  EXPECT_EQ(double(second["host.value"]), 9);
}

}  // namespace
}  // namespace vigil::exporters::cloudwatch
