#include "collectors/otlp/wire_walk.h"

#include <gtest/gtest.h>

#include <random>

#include <google/protobuf/arena.h>
#include <google/protobuf/stubs/logging.h>

#include "collectors/otlp/request_validation.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::collectors::otlp {
namespace {

namespace collector = opentelemetry::proto::collector;
namespace common = opentelemetry::proto::common::v1;
using TraceRequest = collector::trace::v1::ExportTraceServiceRequest;
using LogsRequest = collector::logs::v1::ExportLogsServiceRequest;
using MetricsRequest = collector::metrics::v1::ExportMetricsServiceRequest;

const std::vector<std::string> kAgentKeys = {"host.name", "os.type", "service.name"};

std::uint64_t keys_present(const opentelemetry::proto::resource::v1::Resource& resource) {
  std::uint64_t bits = 0;
  for (const auto& kv : resource.attributes()) {
    for (std::size_t i = 0; i < kAgentKeys.size(); ++i) {
      if (kv.key() == kAgentKeys[i]) bits |= std::uint64_t{1} << i;
    }
  }
  return bits;
}

// The walk must accept exactly what ParseFromArray accepts, and then count what the parsed
// message holds.
template <typename Request>
void expect_same(const WireWalker& walker, std::string_view bytes, int& accepted) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  const bool parsed = request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  WalkResult result;
  const bool walked = walker.walk(bytes, result);
  ASSERT_EQ(walked, parsed) << "bytes (" << bytes.size()
                            << "): " << testing::PrintToString(std::string(bytes));
  if (!parsed) return;
  ++accepted;
  std::vector<std::uint64_t> present;
  if constexpr (std::is_same_v<Request, TraceRequest>) {
    for (const auto& r : request->resource_spans()) present.push_back(keys_present(r.resource()));
  } else if constexpr (std::is_same_v<Request, LogsRequest>) {
    for (const auto& r : request->resource_logs()) present.push_back(keys_present(r.resource()));
  } else {
    for (const auto& r : request->resource_metrics()) present.push_back(keys_present(r.resource()));
  }
  EXPECT_EQ(result.present_keys, present);
  const Validation validation = validate_request(*request);
  EXPECT_EQ(result.items, validation.accepted + validation.rejected);
  EXPECT_EQ(result.invalid, validation.rejected);
}

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : random_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  bool chance(int percent) { return pick(100) < percent; }

  std::string text() {
    static const char* const kTexts[] = {
        "host.name", "os.type", "service.name", "k",
        "",          "héllo",   "\xe2\x82\xac", "a longer value of some bytes"};
    return kTexts[pick(8)];
  }
  std::string id(std::size_t usual) {
    const int kind = pick(10);
    if (kind == 0) return "";
    if (kind == 1) return std::string(usual, '\0');
    if (kind == 2) return std::string(usual + 1, 'x');
    std::string id(usual, '\0');
    for (auto& c : id) c = static_cast<char>(pick(256));
    id[0] = 1;
    return id;
  }
  void value(common::AnyValue& value, int depth) {
    switch (depth > 3 ? pick(4) : pick(7)) {
      case 0:
        value.set_string_value(text());
        break;
      case 1:
        value.set_int_value(pick(1000) - 500);
        break;
      case 2:
        value.set_double_value(pick(100) / 3.0);
        break;
      case 3:
        value.set_bool_value(chance(50));
        break;
      case 4:
        for (int i = pick(3); i > 0; --i)
          this->value(*value.mutable_array_value()->add_values(), depth + 1);
        break;
      case 5:
        for (int i = pick(3); i > 0; --i)
          attribute(*value.mutable_kvlist_value()->add_values(), depth + 1);
        break;
      default:
        value.set_bytes_value(id(4));
        break;
    }
  }
  void attribute(common::KeyValue& kv, int depth) {
    kv.set_key(text());
    if (chance(90)) value(*kv.mutable_value(), depth);
  }
  template <typename Resource>
  void resource(Resource& r) {
    if (chance(20)) return;
    for (int i = pick(4); i > 0; --i) attribute(*r.mutable_resource()->add_attributes(), 0);
  }

  TraceRequest traces() {
    TraceRequest request;
    for (int r = pick(3); r > 0; --r) {
      auto& rs = *request.add_resource_spans();
      resource(rs);
      for (int s = pick(3); s > 0; --s) {
        auto& ss = *rs.add_scope_spans();
        ss.mutable_scope()->set_name(text());
        for (int i = pick(4); i > 0; --i) {
          auto& span = *ss.add_spans();
          span.set_trace_id(id(16));
          span.set_span_id(id(8));
          if (chance(50)) span.set_parent_span_id(id(8));
          span.set_name(text());
          span.set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(pick(6)));
          for (int a = pick(4); a > 0; --a) attribute(*span.add_attributes(), 0);
          if (chance(30)) span.add_events()->set_name(text());
          if (chance(30)) span.add_links()->set_trace_id(id(16));
        }
      }
    }
    return request;
  }
  LogsRequest logs() {
    LogsRequest request;
    for (int r = pick(3); r > 0; --r) {
      auto& rl = *request.add_resource_logs();
      resource(rl);
      for (int s = pick(3); s > 0; --s) {
        auto& sl = *rl.add_scope_logs();
        for (int i = pick(4); i > 0; --i) {
          auto& record = *sl.add_log_records();
          if (chance(70)) record.set_trace_id(id(16));
          if (chance(70)) record.set_span_id(id(8));
          record.set_severity_number(
              static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(pick(25)));
          value(*record.mutable_body(), 0);
          for (int a = pick(3); a > 0; --a) attribute(*record.add_attributes(), 0);
        }
      }
    }
    return request;
  }
  MetricsRequest metrics() {
    MetricsRequest request;
    for (int r = pick(3); r > 0; --r) {
      auto& rm = *request.add_resource_metrics();
      resource(rm);
      for (int s = pick(3); s > 0; --s) {
        auto& sm = *rm.add_scope_metrics();
        for (int i = pick(4); i > 0; --i) {
          auto& metric = *sm.add_metrics();
          metric.set_name(text());
          const int points = pick(4);
          switch (pick(6)) {
            case 0:
              for (int p = 0; p < points; ++p)
                metric.mutable_gauge()->add_data_points()->set_as_int(p);
              break;
            case 1:
              for (int p = 0; p < points; ++p)
                metric.mutable_sum()->add_data_points()->set_as_double(p);
              break;
            case 2:
              for (int p = 0; p < points; ++p) {
                auto& point = *metric.mutable_histogram()->add_data_points();
                point.add_bucket_counts(static_cast<std::uint64_t>(p));
                point.add_explicit_bounds(1.5);
              }
              break;
            case 3:
              for (int p = 0; p < points; ++p) {
                auto& point = *metric.mutable_exponential_histogram()->add_data_points();
                point.mutable_positive()->add_bucket_counts(static_cast<std::uint64_t>(p) * 300);
                point.set_scale(-p);
              }
              break;
            case 4:
              for (int p = 0; p < points; ++p)
                metric.mutable_summary()->add_data_points()->add_quantile_values();
              break;
            default:
              break;
          }
        }
      }
    }
    return request;
  }

  // One random change: a flipped, inserted, removed or overwritten byte, a truncation, or a
  // splice of a copy of some range.
  void mutate(std::string& bytes) {
    if (bytes.empty()) {
      bytes.push_back(static_cast<char>(pick(256)));
      return;
    }
    const auto at = static_cast<std::size_t>(pick(static_cast<int>(bytes.size())));
    switch (pick(6)) {
      case 0:
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << pick(8)));
        break;
      case 1:
        bytes.insert(at, 1, static_cast<char>(pick(256)));
        break;
      case 2:
        bytes.erase(at, 1);
        break;
      case 3:
        bytes[at] = static_cast<char>(pick(256));
        break;
      case 4:
        bytes.resize(at);
        break;
      default: {
        const auto length = static_cast<std::size_t>(pick(8));
        bytes.insert(
            at,
            bytes.substr(static_cast<std::size_t>(pick(static_cast<int>(bytes.size()))), length));
        break;
      }
    }
  }

 private:
  std::mt19937 random_;
};

class WireWalkTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { google::protobuf::SetLogHandler(nullptr); }
  WireWalker traces_{*TraceRequest::descriptor(), core::Signal::kTraces, kAgentKeys};
  WireWalker logs_{*LogsRequest::descriptor(), core::Signal::kLogs, kAgentKeys};
  WireWalker metrics_{*MetricsRequest::descriptor(), core::Signal::kMetrics, kAgentKeys};
};

TEST_F(WireWalkTest, AgreesWithParseFromArrayOnGeneratedAndMutatedRequests) {
  Generator generator(20261121);
  int accepted = 0;
  int total = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string bytes[3] = {generator.traces().SerializeAsString(),
                            generator.logs().SerializeAsString(),
                            generator.metrics().SerializeAsString()};
    for (int mutation = 0; mutation < 6; ++mutation) {
      expect_same<TraceRequest>(traces_, bytes[0], accepted);
      expect_same<LogsRequest>(logs_, bytes[1], accepted);
      expect_same<MetricsRequest>(metrics_, bytes[2], accepted);
      total += 3;
      if (HasFailure()) return;
      for (auto& b : bytes) generator.mutate(b);
    }
  }
  // Both outcomes must be well represented for the comparison to mean something.
  EXPECT_GT(accepted, total / 5);
  EXPECT_LT(accepted, total * 4 / 5);
}

TEST_F(WireWalkTest, AgreesOnHandPickedEdges) {
  int accepted = 0;
  const std::vector<std::string> cases = {
      "",
      std::string("\x00", 1),                              // tag 0
      "\x0a\x00",                                          // empty ResourceSpans
      "\x0a\x02\x00\x00",                                  // tag 0 inside
      "\x0a\x80\x80\x80\x80\x00",                          // 5-byte length 0
      std::string("\x0a\x80\x80\x80\x80\x80\x00", 7),      // 6-byte length
      "\x88\x80\x80\x80\x00\x01",                          // 5-byte tag (field 1 varint)
      "\x88\x80\x80\x80\x80\x00\x01",                      // 6-byte tag
      "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",      // 10-byte varint, unknown wire type
      "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  // 11-byte varint
      "\x10\x01",                                          // unknown field 2
      "\x02\x00",                                          // field 0
      "\x0b\x0c",                                          // group as field 1 (wrong wire type)
      "\x13\x08\x01\x14",                                  // unknown group field 2
      "\x13\x08\x01\x1c",                                  // group ended by the wrong number
      "\x14",                                              // stray end group
      "\x0e",                                              // wire type 6
      "\x0f",                                              // wire type 7
      "\x0d\x00\x00\x00\x00",                              // field 1 as fixed32
      "\x0a\x07\x0a\x05\x0a\x03\x0a\x01\xc0",              // resource attr key byte 0xc0
      "\x0a\x07\x0a\x05\x0a\x03\x0a\x01\x41",              // resource attr key "A"
      "\x0a\x08\x0a\x06\x0a\x04\x0a\x02\xed\xa0",          // surrogate prefix
  };
  for (const auto& c : cases) {
    expect_same<TraceRequest>(traces_, c, accepted);
    expect_same<LogsRequest>(logs_, c, accepted);
    expect_same<MetricsRequest>(metrics_, c, accepted);
  }
  EXPECT_GT(accepted, 0);
}

// Nesting: AnyValue -> ArrayValue -> AnyValue ... around the parser's limit of 100.
TEST_F(WireWalkTest, AgreesOnNestingDepth) {
  int accepted = 0;
  for (int levels = 20; levels < 60; ++levels) {
    LogsRequest request;
    auto* value = request.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body();
    for (int i = 0; i < levels; ++i) value = value->mutable_array_value()->add_values();
    value->set_string_value("deep");
    expect_same<LogsRequest>(logs_, request.SerializeAsString(), accepted);
  }
  // Unknown groups nested inside each other count too.
  for (int levels = 95; levels < 105; ++levels) {
    std::string bytes;
    for (int i = 0; i < levels; ++i) bytes += "\x13";
    for (int i = 0; i < levels; ++i) bytes += "\x14";
    expect_same<TraceRequest>(traces_, bytes, accepted);
  }
  EXPECT_GT(accepted, 0);
}

TEST_F(WireWalkTest, CountsOneofMembersAsTheParserKeepsThem) {
  // Gauge(2 points), Sum(1), Gauge(3): the last member wins and merges with nothing before it.
  auto metric_bytes = [](auto fill) {
    opentelemetry::proto::metrics::v1::Metric metric;
    fill(metric);
    return metric.SerializeAsString();
  };
  std::string metric = metric_bytes([](auto& m) {
                         for (int i = 0; i < 2; ++i) m.mutable_gauge()->add_data_points();
                       }) +
                       metric_bytes([](auto& m) { m.mutable_sum()->add_data_points(); }) +
                       metric_bytes([](auto& m) {
                         for (int i = 0; i < 3; ++i) m.mutable_gauge()->add_data_points();
                       });
  opentelemetry::proto::metrics::v1::ScopeMetrics scope;
  std::string scope_bytes = scope.SerializeAsString();
  scope_bytes += '\x12';  // metrics = 2
  scope_bytes += static_cast<char>(metric.size());
  scope_bytes += metric;
  std::string resource_bytes = "\x12";
  resource_bytes += static_cast<char>(scope_bytes.size());
  resource_bytes += scope_bytes;
  std::string request = "\x0a";
  request += static_cast<char>(resource_bytes.size());
  request += resource_bytes;
  int accepted = 0;
  expect_same<MetricsRequest>(metrics_, request, accepted);
  WalkResult result;
  ASSERT_TRUE(metrics_.walk(request, result));
  EXPECT_EQ(result.items, 3u);
}

}  // namespace
}  // namespace vigil::collectors::otlp
