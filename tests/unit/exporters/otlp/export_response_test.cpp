#include "exporters/otlp/export_response.h"

#include <gtest/gtest.h>

#include "agent/net/compression.h"
#include "agent/net/grpc_framing.h"
#include "google/rpc/status.pb.h"
#include "tests/unit/exporters/otlp/otlp_export_test_support.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace otlp_export_test;
using namespace std::chrono_literals;

TEST(ExportResponse, PartialSuccessOfEachSignal) {
  ExportMetricsServiceResponse metrics;
  metrics.mutable_partial_success()->set_rejected_data_points(4);
  auto p = decode_partial_success(core::Signal::kMetrics, BodyEncoding::kProtobuf,
                                  metrics.SerializeAsString());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 4u);
  ExportTraceServiceResponse traces;
  traces.mutable_partial_success()->set_rejected_spans(-5);  // nonsense: read as none
  p = decode_partial_success(core::Signal::kTraces, BodyEncoding::kProtobuf,
                             traces.SerializeAsString());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 0u);
  p = decode_partial_success(core::Signal::kLogs, BodyEncoding::kJson,
                             R"({"partialSuccess":{"rejectedLogRecords":12,"unknown":1}})");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->rejected, 12u);
  EXPECT_TRUE(decode_partial_success(core::Signal::kLogs, BodyEncoding::kJson, "{}").has_value());
  EXPECT_TRUE(decode_partial_success(core::Signal::kLogs, BodyEncoding::kJson, "").has_value());
  EXPECT_FALSE(decode_partial_success(core::Signal::kLogs, BodyEncoding::kJson, "[1"));
  EXPECT_FALSE(decode_partial_success(core::Signal::kLogs, BodyEncoding::kProtobuf, "\x0a\x05"));
}

TEST(ExportResponse, StatusWithRetryInfoInProtobufAndJson) {
  google::rpc::Status status;
  status.set_code(8);
  status.set_message("slow down");
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(1);
  info.mutable_retry_delay()->set_nanos(500'000'000);
  status.add_details()->PackFrom(info);
  auto decoded = decode_rpc_status(BodyEncoding::kProtobuf, status.SerializeAsString());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->code, 8);
  EXPECT_EQ(decoded->message, "slow down");
  EXPECT_EQ(decoded->retry_delay, core::Duration(1500ms));

  decoded = decode_rpc_status(
      BodyEncoding::kJson,
      R"({"code":14,"message":"m","details":[{"@type":"type.googleapis.com/google.rpc.DebugInfo",)"
      R"("detail":"x"},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"2.25s"}]})");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->code, 14);
  EXPECT_EQ(decoded->retry_delay, core::Duration(2250ms));

  // A negative delay is no delay.
  info.mutable_retry_delay()->set_seconds(-3);
  status.clear_details();
  status.add_details()->PackFrom(info);
  decoded = decode_rpc_status(BodyEncoding::kProtobuf, status.SerializeAsString());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->retry_delay.has_value());
  EXPECT_FALSE(decode_rpc_status(BodyEncoding::kJson, "not json"));
  EXPECT_FALSE(decode_rpc_status(BodyEncoding::kJson, "[]"));
  EXPECT_FALSE(decode_rpc_status(BodyEncoding::kProtobuf, "\x12\x09short"));
}

TEST(ExportResponse, JsonDurations) {
  EXPECT_EQ(parse_json_duration("3s"), core::Duration(3s));
  EXPECT_EQ(parse_json_duration("0.5s"), core::Duration(500ms));
  EXPECT_EQ(parse_json_duration("1.000000001s"), core::Duration(1'000'000'001ns));
  EXPECT_EQ(parse_json_duration("-1.5s"), core::Duration(-1500ms));
  EXPECT_EQ(parse_json_duration("99999999999999999999s"), core::Duration::max());
  for (const char* bad : {"", "s", "1", "1.s", ".5s", "1.0000000001s", "1,5s", "+1s", "1 s"}) {
    EXPECT_FALSE(parse_json_duration(bad).has_value()) << bad;
  }
}

TEST(ExportResponse, Base64) {
  EXPECT_EQ(decode_base64("aGVsbG8"), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(decode_base64("aGVsbA"), "hell");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(decode_base64("+/8="), std::string("\xfb\xff", 2));
  const std::string all = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
    return s;
  }();
  EXPECT_EQ(decode_base64(net::encode_grpc_binary_value(all).value()), all);
  for (const char* bad : {"a", "a===", "ab=c", "a b", "!!!!"}) {
    EXPECT_FALSE(decode_base64(bad).has_value()) << bad;
  }
}

TEST(ExportResponse, GrpcResponseMessages) {
  EXPECT_EQ(decode_grpc_response_message("", "", 100), "");
  EXPECT_EQ(decode_grpc_response_message(net::encode_grpc_message("abc"), "", 100), "abc");
  EXPECT_FALSE(decode_grpc_response_message(std::string("\0\0\0", 3), "", 100));
  EXPECT_FALSE(decode_grpc_response_message(std::string("\0\0\0\0\5ab", 7), "", 100));
  EXPECT_FALSE(decode_grpc_response_message(std::string("\2\0\0\0\0", 5), "", 100));
  EXPECT_FALSE(decode_grpc_response_message(net::encode_grpc_message("abc"), "", 2));
  auto z = net::compress(net::Codec::kZstd, std::string(1000, 'z'));
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(decode_grpc_response_message(net::encode_grpc_message(*z, true), "zstd", 1000),
            std::string(1000, 'z'));
  EXPECT_FALSE(decode_grpc_response_message(net::encode_grpc_message(*z, true), "zstd", 999));
  EXPECT_FALSE(decode_grpc_response_message(net::encode_grpc_message(*z, true), "", 1000));
  EXPECT_FALSE(decode_grpc_response_message(net::encode_grpc_message(*z, true), "snappy", 1000));
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
