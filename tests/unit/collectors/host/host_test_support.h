#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

// Fixtures of tests/data/host and a decoded view of the requests the host collector writes.
namespace vigil::collectors::host::testing {

inline std::string host_data(std::string_view relative) {
  return std::string(VIGIL_TEST_DATA_DIR) + "/host/" + std::string(relative);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A fixture file under tests/data/host.
inline std::string fixture(std::string_view relative) { return read_text(host_data(relative)); }

inline void write_text(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A fresh copy of a fixture tree in a temporary directory, removed when done, so a test can
// change files between scrapes.
class TempTree {
 public:
  explicit TempTree(std::string_view fixture_tree = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil-host-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    if (!fixture_tree.empty()) {
      std::filesystem::copy(host_data(fixture_tree), root_,
                            std::filesystem::copy_options::recursive);
    }
  }
  ~TempTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  void write(std::string_view relative, std::string_view text) const {
    write_text(root_ / std::string(relative), text);
  }
  void remove(std::string_view relative) const {
    std::filesystem::remove(root_ / std::string(relative));
  }

 private:
  std::filesystem::path root_;
};

namespace pb = opentelemetry::proto::metrics::v1;

// One data point with its metric's properties.
struct Point {
  std::string metric;
  std::string unit;
  enum class Kind { kGauge, kCounter, kUpDown } kind = Kind::kGauge;
  std::map<std::string, std::string> attributes;
  bool is_int = false;
  double value = 0;
  std::int64_t int_value = 0;
  std::uint64_t start = 0;
  std::uint64_t time = 0;
};

// The points of an ExportMetricsServiceRequest (ParseFromString must accept the bytes).
class Decoded {
 public:
  explicit Decoded(const std::string& bytes) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
    parsed_ = request.ParseFromString(bytes);
    EXPECT_TRUE(parsed_) << "the request does not parse";
    request_ = request;
    for (const auto& rm : request.resource_metrics()) {
      for (const auto& sm : rm.scope_metrics()) {
        for (const auto& m : sm.metrics()) {
          ++metric_count_[m.name()];
          if (m.has_gauge()) {
            add(m, Point::Kind::kGauge, m.gauge().data_points());
          } else if (m.has_sum()) {
            EXPECT_EQ(m.sum().aggregation_temporality(), pb::AGGREGATION_TEMPORALITY_CUMULATIVE)
                << m.name();
            add(m, m.sum().is_monotonic() ? Point::Kind::kCounter : Point::Kind::kUpDown,
                m.sum().data_points());
          } else {
            ADD_FAILURE() << m.name() << " is neither a gauge nor a sum";
          }
        }
      }
    }
  }

  bool parsed() const { return parsed_; }
  const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request() const {
    return request_;
  }
  const std::vector<Point>& points() const { return points_; }
  // How many Metric messages had this name (1: all its points in one metric).
  int metric_count(const std::string& name) const {
    auto it = metric_count_.find(name);
    return it == metric_count_.end() ? 0 : it->second;
  }

  std::vector<Point> of(const std::string& metric) const {
    std::vector<Point> out;
    for (const auto& p : points_) {
      if (p.metric == metric) out.push_back(p);
    }
    return out;
  }

  // The single point of `metric` with exactly these attributes; fails the test if not one.
  Point get(const std::string& metric,
            const std::map<std::string, std::string>& attributes = {}) const {
    const Point* found = nullptr;
    int matches = 0;
    for (const auto& p : points_) {
      if (p.metric == metric && p.attributes == attributes) {
        found = &p;
        ++matches;
      }
    }
    EXPECT_EQ(matches, 1) << metric << " " << describe(attributes);
    return found != nullptr ? *found : Point{};
  }

  bool has(const std::string& metric,
           const std::map<std::string, std::string>& attributes = {}) const {
    for (const auto& p : points_) {
      if (p.metric == metric && p.attributes == attributes) return true;
    }
    return false;
  }

  static std::string describe(const std::map<std::string, std::string>& attributes) {
    std::string out = "{";
    for (const auto& [k, v] : attributes) out += k + "=" + v + ",";
    return out + "}";
  }

 private:
  template <typename Points>
  void add(const pb::Metric& m, Point::Kind kind, const Points& points) {
    for (const auto& dp : points) {
      Point p;
      p.metric = m.name();
      p.unit = m.unit();
      p.kind = kind;
      for (const auto& kv : dp.attributes()) p.attributes[kv.key()] = kv.value().string_value();
      p.is_int = dp.value_case() == pb::NumberDataPoint::kAsInt;
      p.value = p.is_int ? static_cast<double>(dp.as_int()) : dp.as_double();
      p.int_value = p.is_int ? dp.as_int() : 0;
      p.start = dp.start_time_unix_nano();
      p.time = dp.time_unix_nano();
      points_.push_back(std::move(p));
    }
  }

  bool parsed_ = false;
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request_;
  std::vector<Point> points_;
  std::map<std::string, int> metric_count_;
};

}  // namespace vigil::collectors::host::testing
