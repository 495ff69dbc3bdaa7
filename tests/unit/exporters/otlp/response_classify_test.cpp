#include "exporters/otlp/response_classify.h"

#include <gtest/gtest.h>

#include "agent/net/compression.h"
#include "agent/net/grpc_framing.h"
#include "google/rpc/status.pb.h"
#include "tests/unit/exporters/otlp/otlp_export_test_support.h"

namespace vigil::exporters::otlp_exporter {
namespace {

using namespace otlp_export_test;
using namespace std::chrono_literals;
using Status = core::SendResult::Status;

// 2023-11-14T22:13:20Z
constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

std::string status_body(int code, std::string message,
                        std::optional<core::Duration> retry = std::nullopt) {
  google::rpc::Status status;
  status.set_code(code);
  status.set_message(std::move(message));
  if (retry) {
    google::rpc::RetryInfo info;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*retry);
    info.mutable_retry_delay()->set_seconds(seconds.count());
    info.mutable_retry_delay()->set_nanos(static_cast<int>((*retry - seconds).count()));
    status.add_details()->PackFrom(info);
  }
  return status.SerializeAsString();
}

net::HttpClientResponse http(int status, net::HttpHeaders headers = {}, std::string body = "") {
  net::HttpClientResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = std::move(body);
  return response;
}

core::SendResult classify(const net::HttpClientResponse& response,
                          BodyEncoding encoding = BodyEncoding::kProtobuf) {
  return classify_http_response(core::Signal::kLogs, encoding, response, kNow);
}

TEST(HttpClassification, OnlyTheSpecsStatusesAreRetried) {
  for (int status = 100; status < 600; ++status) {
    const bool retryable = status == 429 || status == 502 || status == 503 || status == 504;
    EXPECT_EQ(is_retryable_http_status(status), retryable) << status;
    if (status < 300) continue;
    const auto result = classify(http(status));
    EXPECT_EQ(result.status, retryable ? Status::kRetryable : Status::kPermanent) << status;
  }
}

TEST(HttpClassification, SuccessIsOkWithPartialSuccessCounted) {
  EXPECT_EQ(classify(http(200)).status, Status::kOk);
  EXPECT_EQ(classify(http(202)).status, Status::kOk);
  ExportLogsServiceResponse answer;
  answer.mutable_partial_success()->set_rejected_log_records(7);
  answer.mutable_partial_success()->set_error_message("7 records too old");
  auto result =
      classify(http(200, {{"content-type", "application/x-protobuf"}}, answer.SerializeAsString()));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.rejected_items, 7u);
  EXPECT_EQ(result.reason, "7 records too old");

  // JSON, with the count as a string (int64 in proto3 JSON).
  result = classify(http(200, {{"content-type", "application/json"}},
                         R"({"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"x"}})"),
                    BodyEncoding::kJson);
  EXPECT_EQ(result.rejected_items, 3u);
  EXPECT_EQ(result.reason, "x");

  // A warning: nothing rejected, a message.
  answer.mutable_partial_success()->set_rejected_log_records(0);
  result = classify(http(200, {}, answer.SerializeAsString()));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.rejected_items, 0u);
  EXPECT_EQ(result.reason, "7 records too old");

  // An answer that does not decode is still a success (the data was taken), with a note.
  result = classify(http(200, {{"content-type", "application/x-protobuf"}}, "\xff\xff"));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_NE(result.reason.find("does not decode"), std::string::npos);
  // A body of another type is not read.
  result = classify(http(200, {{"content-type", "text/plain"}}, "ok"));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_TRUE(result.reason.empty());
}

TEST(HttpClassification, RetryAfterInBothFormsAndRetryInfo) {
  auto result = classify(http(429, {{"retry-after", "7"}}));
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.retry_after, core::Duration(7s));
  result = classify(http(503, {{"retry-after", "Tue, 14 Nov 2023 22:13:50 GMT"}}));
  EXPECT_EQ(result.retry_after, core::Duration(30s));
  // A date in the past: retry at once.
  result = classify(http(503, {{"retry-after", "Tue, 14 Nov 2023 22:00:00 GMT"}}));
  EXPECT_EQ(result.retry_after, core::Duration::zero());
  // No header: a RetryInfo in the Status body.
  result = classify(
      http(503, {{"content-type", "application/x-protobuf"}}, status_body(14, "busy", 2500ms)));
  EXPECT_EQ(result.retry_after, core::Duration(2500ms));
  EXPECT_EQ(result.reason, "HTTP 503 Service Unavailable: busy");
  // The header wins over the body.
  result = classify(http(503, {{"retry-after", "1"}}, status_body(14, "busy", 9s)));
  EXPECT_EQ(result.retry_after, core::Duration(1s));
  // Unreadable header, nothing else: the back-off decides.
  result = classify(http(502, {{"retry-after", "soon"}}));
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_FALSE(result.retry_after.has_value());
  // Not retryable: Retry-After is ignored.
  result = classify(http(500, {{"retry-after", "1"}}));
  EXPECT_EQ(result.status, Status::kPermanent);
}

TEST(HttpClassification, PermanentErrorsCarryTheServersMessage) {
  auto result = classify(
      http(400, {{"content-type", "application/x-protobuf"}}, status_body(3, "invalid span id")));
  EXPECT_EQ(result.status, Status::kPermanent);
  EXPECT_EQ(result.reason, "HTTP 400 Bad Request: invalid span id");
  result = classify(
      http(400, {{"content-type", "application/json"}}, R"({"code":3,"message":"bad \"json\""})"),
      BodyEncoding::kJson);
  EXPECT_EQ(result.reason, "HTTP 400 Bad Request: bad \"json\"");
  result = classify(
      http(413, {{"content-type", "text/html"}}, "<html>\n  <body>Too   large</body>\n</html>"));
  EXPECT_EQ(result.reason, "HTTP 413 Payload Too Large: <html> <body>Too large</body> </html>");
  // A gzip-compressed answer is read too.
  auto gz = net::compress(net::Codec::kGzip, status_body(16, "bad token"));
  ASSERT_TRUE(gz.has_value());
  result = classify(http(401, {{"content-encoding", "gzip"}}, *gz));
  EXPECT_EQ(result.reason, "HTTP 401 Unauthorized: bad token");
  // Binary junk is shown harmlessly, and cut.
  result = classify(http(403, {{"content-type", "text/plain"}}, std::string(1000, '\x01')));
  EXPECT_LT(result.reason.size(), 400u);
  EXPECT_EQ(result.reason.find('\x01'), std::string::npos);
  result = classify(http(308, {{"location", "https://otlp.example.com/v1/logs"}}));
  EXPECT_NE(result.reason.find("redirect to https://otlp.example.com/v1/logs"), std::string::npos);
}

TEST(HttpClassification, NoResponseIsRetryable) {
  net::HttpClientResponse refused;
  refused.error = "Couldn't connect to server";
  auto result = classify(refused);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.reason, "Couldn't connect to server");
  net::HttpClientResponse timed_out;
  timed_out.error = "Timeout was reached";
  timed_out.timed_out = true;
  result = classify(timed_out);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_NE(result.reason.find("timed out"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------

net::HttpClientResponse grpc(int code, net::HttpHeaders extra = {}, std::string body = "") {
  net::HttpClientResponse response;
  response.status = 200;
  response.headers = {{"content-type", "application/grpc"}};
  response.headers.insert(response.headers.end(), extra.begin(), extra.end());
  response.headers.push_back({"grpc-status", std::to_string(code)});
  response.body = std::move(body);
  return response;
}

TEST(GrpcClassification, TheRetryableCodesOfTheSpec) {
  const std::set<int> retryable = {1, 4, 10, 11, 14, 15};
  for (int code = 1; code <= 17; ++code) {
    EXPECT_EQ(is_retryable_grpc_code(code, false), retryable.contains(code)) << code;
    EXPECT_EQ(is_retryable_grpc_code(code, true), retryable.contains(code) || code == 8) << code;
    const auto result = classify_grpc_response(core::Signal::kTraces, grpc(code));
    EXPECT_EQ(result.status, retryable.contains(code) ? Status::kRetryable : Status::kPermanent)
        << code;
    EXPECT_TRUE(result.reason.starts_with("gRPC " + fmt_grpc_code(code))) << result.reason;
  }
  EXPECT_EQ(fmt_grpc_code(14), "UNAVAILABLE");
  EXPECT_EQ(fmt_grpc_code(17), "CODE_17");
}

TEST(GrpcClassification, RetryInfoMakesResourceExhaustedRetryableAndSetsTheDelay) {
  const std::string details = net::encode_grpc_binary_value(status_body(8, "quota", 3s)).value();
  auto result = classify_grpc_response(
      core::Signal::kTraces,
      grpc(8, {{"grpc-message", "over%20quota"}, {"grpc-status-details-bin", details}}));
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.retry_after, core::Duration(3s));
  EXPECT_EQ(result.reason, "gRPC RESOURCE_EXHAUSTED: over quota");
  // Without RetryInfo: permanent (e.g. a message over the server's limit).
  result = classify_grpc_response(core::Signal::kTraces, grpc(8, {{"grpc-message", "too big"}}));
  EXPECT_EQ(result.status, Status::kPermanent);
  // UNAVAILABLE with RetryInfo: that delay; padded base64 works too.
  std::string padded = details;
  while (padded.size() % 4 != 0) padded += '=';
  result = classify_grpc_response(core::Signal::kTraces,
                                  grpc(14, {{"grpc-status-details-bin", padded}}));
  EXPECT_EQ(result.retry_after, core::Duration(3s));
  EXPECT_EQ(result.reason, "gRPC UNAVAILABLE: quota");  // the Status's message
}

TEST(GrpcClassification, OkReadsPartialSuccessFromTheLengthPrefixedMessage) {
  ExportTraceServiceResponse answer;
  answer.mutable_partial_success()->set_rejected_spans(2);
  answer.mutable_partial_success()->set_error_message("2 spans without ids");
  auto result = classify_grpc_response(
      core::Signal::kTraces, grpc(0, {}, net::encode_grpc_message(answer.SerializeAsString())));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.rejected_items, 2u);
  EXPECT_EQ(result.reason, "2 spans without ids");
  // Compressed with the response's grpc-encoding.
  auto gz = net::compress(net::Codec::kGzip, answer.SerializeAsString());
  ASSERT_TRUE(gz.has_value());
  result = classify_grpc_response(core::Signal::kTraces, grpc(0, {{"grpc-encoding", "gzip"}},
                                                              net::encode_grpc_message(*gz, true)));
  EXPECT_EQ(result.rejected_items, 2u);
  // Empty message: full success.
  result = classify_grpc_response(core::Signal::kTraces, grpc(0, {}, net::encode_grpc_message("")));
  EXPECT_EQ(result.status, Status::kOk);
  EXPECT_EQ(result.rejected_items, 0u);
  EXPECT_TRUE(result.reason.empty());
}

TEST(GrpcClassification, TrailersOnlyAndBrokenProxies) {
  // Trailers-Only: a single HEADERS with the status (what the client sees is the same list).
  net::HttpClientResponse only;
  only.status = 200;
  only.headers = {{"grpc-status", "14"}, {"grpc-message", "draining"}};
  auto result = classify_grpc_response(core::Signal::kLogs, only);
  EXPECT_EQ(result.status, Status::kRetryable);
  EXPECT_EQ(result.reason, "gRPC UNAVAILABLE: draining");
  // A proxy's HTTP error without grpc-status: mapped by the gRPC table.
  for (auto [status, code] : std::vector<std::pair<int, int>>{{400, 13},
                                                              {401, 16},
                                                              {403, 7},
                                                              {404, 12},
                                                              {429, 14},
                                                              {502, 14},
                                                              {503, 14},
                                                              {504, 14},
                                                              {500, 2}}) {
    net::HttpClientResponse proxy;
    proxy.status = status;
    proxy.body = "upstream says no";
    EXPECT_EQ(grpc_code_from_http_status(status), code);
    result = classify_grpc_response(core::Signal::kLogs, proxy);
    EXPECT_EQ(result.status, code == 14 ? Status::kRetryable : Status::kPermanent) << status;
    EXPECT_NE(result.reason.find("upstream says no"), std::string::npos);
  }
  // 200 and no grpc-status at all: INTERNAL, as gRPC libraries report it.
  net::HttpClientResponse cut;
  cut.status = 200;
  result = classify_grpc_response(core::Signal::kLogs, cut);
  EXPECT_EQ(result.status, Status::kPermanent);
  EXPECT_TRUE(result.reason.starts_with("gRPC INTERNAL")) << result.reason;
  // Garbage status.
  result = classify_grpc_response(core::Signal::kLogs, grpc(0, {{"grpc-status", "x"}}));
  // (the first grpc-status, "x", is read)
  EXPECT_EQ(result.status, Status::kPermanent);
  // No response at all.
  net::HttpClientResponse reset;
  reset.error = "Stream error in the HTTP/2 framing layer";
  EXPECT_EQ(classify_grpc_response(core::Signal::kLogs, reset).status, Status::kRetryable);
}

}  // namespace
}  // namespace vigil::exporters::otlp_exporter
