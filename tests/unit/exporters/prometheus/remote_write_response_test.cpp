#include "exporters/prometheus/remote_write_response.h"

#include <gtest/gtest.h>

namespace vigil::exporters::prometheus {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

net::HttpClientResponse answer(int status, std::string body = "", net::HttpHeaders headers = {}) {
  net::HttpClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(RemoteWriteResponse, SuccessIsAny2xx) {
  for (int status : {200, 202, 204}) {
    EXPECT_EQ(classify_remote_write_response(answer(status, "ignored"), kNow).outcome,
              RemoteWriteOutcome::kDelivered);
  }
}

TEST(RemoteWriteResponse, ServerErrorsAndTooManyRequestsAreRetried) {
  for (int status : {500, 502, 503, 504, 599, 429}) {
    const auto v = classify_remote_write_response(answer(status, "busy"), kNow);
    EXPECT_EQ(v.outcome, RemoteWriteOutcome::kRetryable) << status;
    EXPECT_FALSE(v.retry_after.has_value());
    EXPECT_NE(v.message.find("busy"), std::string::npos);
  }
  // Retry-After as seconds and as an HTTP date.
  auto v = classify_remote_write_response(answer(429, "", {{"retry-after", "7"}}), kNow);
  ASSERT_TRUE(v.retry_after.has_value());
  EXPECT_EQ(*v.retry_after, std::chrono::seconds(7));
  v = classify_remote_write_response(
      answer(503, "", {{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}), kNow);
  ASSERT_TRUE(v.retry_after.has_value());
  EXPECT_EQ(*v.retry_after, std::chrono::seconds(30));
  // A malformed one is ignored (back-off applies).
  v = classify_remote_write_response(answer(503, "", {{"retry-after", "soon"}}), kNow);
  EXPECT_FALSE(v.retry_after.has_value());
}

TEST(RemoteWriteResponse, OtherStatusesArePermanentWithTheServersMessage) {
  // What Prometheus 2.42 answers for an out-of-order sample.
  const auto v = classify_remote_write_response(answer(400, "out of order sample\n"), kNow);
  EXPECT_EQ(v.outcome, RemoteWriteOutcome::kPermanent);
  EXPECT_EQ(v.message, "HTTP 400 Bad Request: out of order sample");
  for (int status : {401, 403, 404, 413, 415, 301, 100}) {
    EXPECT_EQ(classify_remote_write_response(answer(status), kNow).outcome,
              RemoteWriteOutcome::kPermanent)
        << status;
  }
  EXPECT_EQ(classify_remote_write_response(answer(404), kNow).message, "HTTP 404 Not Found");
}

TEST(RemoteWriteResponse, NoAnswerIsRetried) {
  net::HttpClientResponse r;
  r.error = "Connection refused";
  auto v = classify_remote_write_response(r, kNow);
  EXPECT_EQ(v.outcome, RemoteWriteOutcome::kRetryable);
  EXPECT_EQ(v.message, "no response: Connection refused");
  r.timed_out = true;
  r.error = "Operation timed out";
  EXPECT_EQ(classify_remote_write_response(r, kNow).message, "timed out: Operation timed out");
}

TEST(RemoteWriteResponse, BodiesBecomeOneSafeLine) {
  EXPECT_EQ(response_text("  line one\nline two\r\n\t"), "line one line two");
  EXPECT_EQ(response_text("\x1b[31mred\x1b[0m"), "[31mred [0m");
  EXPECT_EQ(response_text(""), "");
  EXPECT_EQ(response_text("abcdef", 3), "abc...");
  // Cut at a UTF-8 boundary: "é" is two bytes.
  EXPECT_EQ(response_text("aé", 2), "a...");
}

}  // namespace
}  // namespace vigil::exporters::prometheus
