#include "collectors/otlp/grpc_receiver.h"

#include <gtest/gtest.h>

#include "agent/net/grpc_framing.h"
#include "google/rpc/status.pb.h"
#include "tests/unit/collectors/otlp/loopback_harness.h"
#include "tests/unit/collectors/otlp/otlp_test_support.h"

namespace vigil::collectors::otlp {
namespace {

using namespace otlp_test;
using namespace std::chrono_literals;

constexpr std::string_view kOpen = "http_listen = \"\"\ngrpc_listen = \"127.0.0.1:0\"\n";
constexpr std::string_view kTraceMethod =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr std::string_view kLogsMethod =
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

struct CallResult {
  int http_status = 0;
  int code = -1;  // grpc-status
  std::string message;
  std::string body;     // the response message (without its prefix)
  std::string details;  // grpc-status-details-bin, base64 as sent
  std::string error;
};

// One unary call over h2c with libcurl (as the project's own HttpClient sends it).
CallResult call(LoopbackHarness& h, std::string_view method, std::string message,
                net::HttpHeaders metadata = {}, net::Codec codec = net::Codec::kNone) {
  net::HttpClientRequest request;
  request.url =
      "http://127.0.0.1:" + std::to_string(h.collector().grpc_port()) + std::string(method);
  request.http2 = 2;
  request.headers = {{"Content-Type", "application/grpc"}, {"TE", "trailers"}};
  std::string framed;
  if (codec == net::Codec::kNone) {
    framed = net::encode_grpc_message(message);
  } else {
    auto compressed = net::compress(codec, message);
    EXPECT_TRUE(compressed.has_value());
    framed.push_back('\x01');
    const auto n = static_cast<std::uint32_t>(compressed->size());
    for (int shift : {24, 16, 8, 0}) framed.push_back(static_cast<char>((n >> shift) & 0xff));
    framed += *compressed;
    request.headers.push_back({"grpc-encoding", std::string(net::to_string(codec))});
  }
  request.body = std::move(framed);
  for (auto& m : metadata) request.headers.push_back(std::move(m));
  // A connection per call: each call is tested on its own (connection reuse is the server's
  // concern, tested with it).
  net::HttpClient client(h.loop(), h.logger());
  std::optional<net::HttpClientResponse> answered;
  client.send(std::move(request), [&](net::HttpClientResponse r) { answered = std::move(r); });
  EXPECT_TRUE(h.run_until([&] { return answered.has_value(); })) << "no answer in time";
  const auto response = answered.value_or(net::HttpClientResponse{});
  CallResult out;
  out.http_status = response.status;
  out.error = response.error;
  if (auto status = net::find_header(response.headers, "grpc-status"); !status.empty()) {
    out.code = std::stoi(std::string(status));
  }
  out.message =
      net::percent_decode_grpc_message(net::find_header(response.headers, "grpc-message"));
  out.details = std::string(net::find_header(response.headers, "grpc-status-details-bin"));
  if (response.body.size() >= net::kGrpcPrefixBytes) out.body = response.body.substr(5);
  return out;
}

TEST(GrpcReceiver, ExportIsOkOnceSafe) {
  LoopbackHarness h{std::string(kOpen)};
  auto result = call(h, kTraceMethod, traces(3).SerializeAsString());
  EXPECT_EQ(result.http_status, 200) << result.error;
  EXPECT_EQ(result.code, 0) << result.message;
  ExportTraceServiceResponse response;
  EXPECT_TRUE(response.ParseFromString(result.body));
  EXPECT_FALSE(response.has_partial_success());
  ASSERT_EQ(h.delivered().size(), 1u);
  EXPECT_EQ(h.delivered()[0].items, 3u);
  EXPECT_EQ(h.delivered()[0].signal, core::Signal::kTraces);
  EXPECT_EQ(h.counter("vigil_otlp_requests_total",
                      {{"component", "otlp"}, {"transport", "grpc"}, {"status", "OK"}}),
            1u);
}

TEST(GrpcReceiver, GzipMessagesAndPartialSuccess) {
  LoopbackHarness h{std::string(kOpen)};
  ExportLogsServiceRequest request;
  auto* scope = request.add_resource_logs()->add_scope_logs();
  scope->add_log_records()->mutable_body()->set_string_value("ok");
  scope->add_log_records()->set_trace_id("bad");
  auto result = call(h, kLogsMethod, request.SerializeAsString(), {}, net::Codec::kGzip);
  EXPECT_EQ(result.code, 0) << result.message;
  ExportLogsServiceResponse response;
  ASSERT_TRUE(response.ParseFromString(result.body));
  EXPECT_EQ(response.partial_success().rejected_log_records(), 1);
  ASSERT_EQ(h.delivered().size(), 1u);
  EXPECT_EQ(h.delivered()[0].items, 1u);
}

TEST(GrpcReceiver, UndecodableMessageIsInvalidArgument) {
  LoopbackHarness h{std::string(kOpen)};
  auto result = call(h, kTraceMethod, std::string("\x0a\x09\x01", 3));
  EXPECT_EQ(result.code, 3);
  EXPECT_EQ(result.message, "the body is not a valid protobuf ExportTraceServiceRequest");
  EXPECT_TRUE(h.delivered().empty());
}

TEST(GrpcReceiver, UnknownMethodsAndDisabledSignalsAreUnimplemented) {
  LoopbackHarness h{std::string(kOpen) + "signals = [\"logs\"]\n"};
  EXPECT_EQ(call(h, "/opentelemetry.proto.collector.trace.v1.TraceService/Exp", "").code, 12);
  EXPECT_EQ(call(h, kTraceMethod, "").code, 12);
  EXPECT_EQ(call(h, kLogsMethod, "").code, 0);
}

TEST(GrpcReceiver, BearerTokenInMetadata) {
  LoopbackHarness h{std::string(kOpen) + "[auth]\nbearer_token = \"tok\"\n"};
  const std::string body = traces(1).SerializeAsString();
  EXPECT_EQ(call(h, kTraceMethod, body).code, 16);
  EXPECT_EQ(call(h, kTraceMethod, body, {{"authorization", "Bearer nope"}}).code, 16);
  EXPECT_EQ(call(h, kTraceMethod, body, {{"authorization", "Bearer tok"}}).code, 0);
  EXPECT_EQ(h.delivered().size(), 1u);
}

TEST(GrpcReceiver, BackPressureIsUnavailableWithRetryInfo) {
  LoopbackHarness h{std::string(kOpen) + "retry_after = \"2s\"\nack_timeout = \"10s\"\n",
                    /*auto_deliver=*/false, /*queue_bytes=*/64};
  net::HttpClient client(h.loop(), h.logger());
  net::HttpClientRequest first;
  first.url =
      "http://127.0.0.1:" + std::to_string(h.collector().grpc_port()) + std::string(kTraceMethod);
  first.http2 = 2;
  first.headers = {{"Content-Type", "application/grpc"}, {"TE", "trailers"}};
  first.body = net::encode_grpc_message(traces(2).SerializeAsString());
  bool first_done = false;
  client.send(first, [&](net::HttpClientResponse) { first_done = true; });
  ASSERT_TRUE(h.run_until([&] { return h.queue().stats().batches == 1; }));

  auto refused = call(h, kTraceMethod, traces(1).SerializeAsString());
  EXPECT_EQ(refused.code, 14);
  ASSERT_FALSE(refused.details.empty());
  EXPECT_EQ(h.counter("vigil_refused_items_total", {{"component", "otlp"}, {"signal", "traces"}}),
            1u);
  EXPECT_FALSE(first_done);
  client.cancel_all();
}

TEST(GrpcReceiver, AckTimeoutIsUnavailable) {
  LoopbackHarness h{std::string(kOpen) + "ack_timeout = \"50ms\"\n", /*auto_deliver=*/false};
  auto result = call(h, kTraceMethod, traces(1).SerializeAsString());
  EXPECT_EQ(result.code, 14);
  EXPECT_NE(result.message.find("ack_timeout"), std::string::npos);
  EXPECT_EQ(h.hold_all().size(), 1u);
}

TEST(GrpcReceiver, MessagesAboveMaxRequestSizeAreResourceExhausted) {
  LoopbackHarness h{std::string(kOpen) + "max_request_size = \"1KiB\"\n"};
  auto result = call(h, kTraceMethod, traces(40).SerializeAsString());
  EXPECT_EQ(result.code, 8);
  EXPECT_TRUE(h.delivered().empty());
}

}  // namespace
}  // namespace vigil::collectors::otlp
