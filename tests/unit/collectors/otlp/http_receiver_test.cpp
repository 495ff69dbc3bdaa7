#include "collectors/otlp/http_receiver.h"

#include <zlib.h>

#include <gtest/gtest.h>

#include "google/rpc/status.pb.h"
#include "tests/unit/collectors/otlp/loopback_harness.h"
#include "tests/unit/collectors/otlp/otlp_test_support.h"

namespace vigil::collectors::otlp {
namespace {

using namespace otlp_test;
using namespace std::chrono_literals;

constexpr std::string_view kOpen = "http_listen = \"127.0.0.1:0\"\ngrpc_listen = \"\"\n";

google::rpc::Status status_of(const net::HttpClientResponse& response) {
  google::rpc::Status status;
  EXPECT_TRUE(status.ParseFromString(response.body));
  return status;
}

std::string header(const net::HttpClientResponse& response, std::string_view name) {
  return std::string(net::find_header(response.headers, name));
}

// `zeros` bytes of zeros, gzip-compressed in 1 MiB steps (never held uncompressed).
std::string gzip_of_zeros(std::size_t zeros) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string input(1 << 20, '\0');
  std::string out;
  std::string chunk(1 << 16, '\0');
  std::size_t left = zeros;
  int flush = Z_NO_FLUSH;
  do {
    const std::size_t n = std::min(left, input.size());
    left -= n;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = reinterpret_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(chunk.data());
      z.avail_out = static_cast<uInt>(chunk.size());
      EXPECT_NE(deflate(&z, flush), Z_STREAM_ERROR);
      out.append(chunk.data(), chunk.size() - z.avail_out);
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

TEST(HttpReceiver, AcceptsProtobufAndAnswersOnceSafe) {
  LoopbackHarness h{std::string(kOpen)};
  auto response = h.post("/v1/traces", traces(3).SerializeAsString());
  EXPECT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(header(response, "content-type"), "application/x-protobuf");
  ExportTraceServiceResponse body;
  ASSERT_TRUE(body.ParseFromString(response.body));
  EXPECT_FALSE(body.has_partial_success());
  ASSERT_EQ(h.delivered().size(), 1u);
  EXPECT_EQ(h.delivered()[0].items, 3u);
  EXPECT_EQ(h.delivered()[0].source, "otlp");
  ExportTraceServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(h.delivered()[0].payload));
  EXPECT_EQ(attribute(forwarded.resource_spans(0).resource(), "host.name").first, "web-1");
  EXPECT_EQ(h.counter("vigil_otlp_requests_total",
                      {{"component", "otlp"}, {"transport", "http"}, {"status", "200"}}),
            1u);
}

TEST(HttpReceiver, EachSignalHasItsPath) {
  LoopbackHarness h{std::string(kOpen)};
  ExportLogsServiceRequest logs_request;
  logs_request.add_resource_logs()->add_scope_logs()->add_log_records();
  EXPECT_EQ(h.post("/v1/logs", logs_request.SerializeAsString()).status, 200);
  ExportMetricsServiceRequest metrics_request;
  metrics_request.add_resource_metrics()
      ->add_scope_metrics()
      ->add_metrics()
      ->mutable_gauge()
      ->add_data_points();
  EXPECT_EQ(h.post("/v1/metrics", metrics_request.SerializeAsString()).status, 200);
  ASSERT_EQ(h.delivered().size(), 2u);
  EXPECT_EQ(h.delivered()[0].signal, core::Signal::kLogs);
  EXPECT_EQ(h.delivered()[1].signal, core::Signal::kMetrics);
}

TEST(HttpReceiver, GzipAndZstdBodies) {
  LoopbackHarness h{std::string(kOpen)};
  const std::string body = traces(2).SerializeAsString();
  EXPECT_EQ(h.post("/v1/traces", body, "application/x-protobuf", {}, net::Codec::kGzip).status,
            200);
  EXPECT_EQ(h.post("/v1/traces", body, "application/x-protobuf", {}, net::Codec::kZstd).status,
            200);
  EXPECT_EQ(h.post("/v1/traces", body, "application/x-protobuf", {{"Content-Encoding", "identity"}})
                .status,
            200);
  ASSERT_EQ(h.delivered().size(), 3u);
  EXPECT_EQ(h.delivered()[0].payload, h.delivered()[1].payload);
}

TEST(HttpReceiver, ContentTypeParametersAreAllowed) {
  LoopbackHarness h{std::string(kOpen)};
  EXPECT_EQ(
      h.post("/v1/traces", traces(1).SerializeAsString(), "Application/X-Protobuf; charset=binary")
          .status,
      200);
}

TEST(HttpReceiver, EmptyRequestIs200AndRoutesNothing) {
  LoopbackHarness h{std::string(kOpen)};
  auto response = h.post("/v1/logs", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(h.delivered().empty());
}

TEST(HttpReceiver, UnknownProtobufFieldsAreAcceptedAndKept) {
  LoopbackHarness h{std::string(kOpen)};
  auto request = traces(1, "checkout", {{"host.name", "app"}, {"os.type", "linux"}});
  // An unknown field inside the span (field 99, varint) and at the top level (field 100).
  auto* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->GetReflection()->MutableUnknownFields(span)->AddVarint(99, 42);
  std::string body = request.SerializeAsString() + std::string("\xa2\x06\x01z", 4);
  EXPECT_EQ(h.post("/v1/traces", body).status, 200);
  ASSERT_EQ(h.delivered().size(), 1u);
  EXPECT_EQ(h.delivered()[0].payload, body);
}

TEST(HttpReceiver, PartialSuccessForInvalidSpans) {
  LoopbackHarness h{std::string(kOpen)};
  auto request = traces(2);
  add_span(request.mutable_resource_spans(0)->mutable_scope_spans(0), "bad", trace_id(), "");
  auto response = h.post("/v1/traces", request.SerializeAsString());
  EXPECT_EQ(response.status, 200);
  ExportTraceServiceResponse body;
  ASSERT_TRUE(body.ParseFromString(response.body));
  EXPECT_EQ(body.partial_success().rejected_spans(), 1);
  EXPECT_EQ(body.partial_success().error_message(), "1 span(s) rejected: span_id must be 8 bytes");
  ASSERT_EQ(h.delivered().size(), 1u);
  EXPECT_EQ(h.delivered()[0].items, 2u);
  EXPECT_EQ(h.counter("vigil_dropped_items_total", {{"component", "otlp"}, {"reason", "invalid"}}),
            1u);
}

TEST(HttpReceiver, UndecodableProtobufIs400WithAStatus) {
  LoopbackHarness h{std::string(kOpen)};
  auto response = h.post("/v1/metrics", "\x0a\xff\xff");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(header(response, "content-type"), "application/x-protobuf");
  auto status = status_of(response);
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "the body is not a valid protobuf ExportMetricsServiceRequest");
}

TEST(HttpReceiver, CorruptGzipIs400) {
  LoopbackHarness h{std::string(kOpen)};
  auto response = h.post("/v1/traces", "not gzip at all", "application/x-protobuf",
                         {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(status_of(response).code(), 3);
}

TEST(HttpReceiver, BearerTokenIsRequiredWhenConfigured) {
  LoopbackHarness h(std::string(kOpen) + "[auth]\nbearer_token = \"s3cret\"\n");
  const std::string body = traces(1).SerializeAsString();
  auto missing = h.post("/v1/traces", body);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(header(missing, "www-authenticate"), "Bearer");
  EXPECT_EQ(status_of(missing).code(), 16);
  EXPECT_EQ(
      h.post("/v1/traces", body, "application/x-protobuf", {{"Authorization", "Bearer s3cre"}})
          .status,
      401);
  EXPECT_EQ(
      h.post("/v1/traces", body, "application/x-protobuf", {{"Authorization", "Basic s3cret"}})
          .status,
      401);
  EXPECT_EQ(
      h.post("/v1/traces", body, "application/x-protobuf", {{"Authorization", "Bearer s3cret"}})
          .status,
      200);
  EXPECT_EQ(
      h.post("/v1/traces", body, "application/x-protobuf", {{"Authorization", "bearer  s3cret"}})
          .status,
      200);
  EXPECT_EQ(h.delivered().size(), 2u);
}

TEST(HttpReceiver, UnknownPathsAndDisabledSignalsAre404) {
  LoopbackHarness h(std::string(kOpen) + "signals = [\"traces\"]\n");
  EXPECT_EQ(h.post("/v1/trace", traces(1).SerializeAsString()).status, 404);
  EXPECT_EQ(h.post("/v1/logs", "").status, 404);
  EXPECT_EQ(h.post("/v1/traces", "").status, 200);
}

TEST(HttpReceiver, OtherMethodsAre405WithAllow) {
  LoopbackHarness h{std::string(kOpen)};
  net::HttpClientRequest request;
  request.method = "GET";
  request.url = h.http_url("/v1/traces");
  auto response = h.fetch(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(header(response, "allow"), "POST");
}

TEST(HttpReceiver, UnsupportedTypeOrEncodingIs415) {
  LoopbackHarness h{std::string(kOpen)};
  const std::string body = traces(1).SerializeAsString();
  EXPECT_EQ(h.post("/v1/traces", body, "text/plain").status, 415);
  EXPECT_EQ(h.post("/v1/traces", body, "").status, 415);
  auto encoding =
      h.post("/v1/traces", body, "application/x-protobuf", {{"Content-Encoding", "br"}});
  EXPECT_EQ(encoding.status, 415);
  EXPECT_EQ(status_of(encoding).code(), 3);
  EXPECT_TRUE(h.delivered().empty());
}

TEST(HttpReceiver, BodiesAboveMaxRequestSizeAre413) {
  LoopbackHarness h(std::string(kOpen) + "max_request_size = \"1MiB\"\n");
  EXPECT_EQ(h.post("/v1/logs", std::string((1 << 20) + 1, 'x')).status, 413);
}

TEST(HttpReceiver, GzipBombIs413) {
  LoopbackHarness h(std::string(kOpen) + "max_request_size = \"1MiB\"\n");
  const std::string bomb = gzip_of_zeros(std::size_t{200} << 20);
  ASSERT_LT(bomb.size(), std::size_t{1} << 20);
  auto response =
      h.post("/v1/logs", bomb, "application/x-protobuf", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(status_of(response).code(), 8);
  // Just below the limit decompresses (zeros are not a valid request: 400, not 413).
  auto fits = h.post("/v1/logs", gzip_of_zeros(1 << 20), "application/x-protobuf",
                     {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(fits.status, 400);
}

TEST(HttpReceiver, BackPressureIs429WithRetryAfter) {
  LoopbackHarness h(std::string(kOpen) + "retry_after = \"3s\"\nack_timeout = \"10s\"\n",
                    /*auto_deliver=*/false, /*queue_bytes=*/64);
  // The first batch fills the queue and waits for its acknowledgement.
  std::optional<net::HttpClientResponse> first;
  net::HttpClient client(h.loop(), h.logger());
  net::HttpClientRequest request;
  request.url = h.http_url("/v1/traces");
  request.headers = {{"Content-Type", "application/x-protobuf"}};
  request.body = traces(2).SerializeAsString();
  client.send(request, [&](net::HttpClientResponse r) { first = std::move(r); });
  ASSERT_TRUE(h.run_until([&] { return h.queue().stats().batches == 1; }));

  auto refused = h.post("/v1/traces", traces(1).SerializeAsString());
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(header(refused, "retry-after"), "3");
  EXPECT_EQ(status_of(refused).code(), 14);
  EXPECT_EQ(h.counter("vigil_refused_items_total", {{"component", "otlp"}, {"signal", "traces"}}),
            1u);
  EXPECT_FALSE(first.has_value());
  client.cancel_all();
}

TEST(HttpReceiver, AckTimeoutIs503WithRetryAfter) {
  LoopbackHarness h(std::string(kOpen) + "ack_timeout = \"50ms\"\n", /*auto_deliver=*/false);
  auto response = h.post("/v1/traces", traces(1).SerializeAsString());
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(header(response, "retry-after"), "1");
  EXPECT_NE(status_of(response).message().find("ack_timeout"), std::string::npos);
  // The batch stays queued.
  EXPECT_EQ(h.hold_all().size(), 1u);
}

TEST(HttpReceiver, StopAnswersWaitingRequests503) {
  LoopbackHarness h(std::string(kOpen), /*auto_deliver=*/false);
  std::optional<net::HttpClientResponse> response;
  net::HttpClient client(h.loop(), h.logger());
  net::HttpClientRequest request;
  request.url = h.http_url("/v1/traces");
  request.headers = {{"Content-Type", "application/x-protobuf"}};
  request.body = traces(1).SerializeAsString();
  client.send(request, [&](net::HttpClientResponse r) { response = std::move(r); });
  ASSERT_TRUE(h.run_until([&] { return h.queue().stats().batches == 1; }));
  bool stopped = false;
  h.collector().stop([&] { stopped = true; });
  EXPECT_TRUE(stopped);
  ASSERT_TRUE(h.run_until([&] { return response.has_value(); }));
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(header(*response, "retry-after"), "1");
}

TEST(HttpReceiver, JsonRequestsGetJsonAnswers) {
  LoopbackHarness h{std::string(kOpen)};
  const std::string json =
      R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"},)"
      R"("severityNumber":9,"traceId":"5b8efff798038103d269b633813fc60c","x-unknown":{}}]}]}]})";
  auto response = h.post("/v1/logs", json, "application/json; charset=utf-8");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "content-type"), "application/json");
  EXPECT_EQ(response.body, "{}");
  ASSERT_EQ(h.delivered().size(), 1u);
  ExportLogsServiceRequest forwarded;
  ASSERT_TRUE(forwarded.ParseFromString(h.delivered()[0].payload));
  EXPECT_EQ(forwarded.resource_logs(0).scope_logs(0).log_records(0).body().string_value(), "hi");
  EXPECT_EQ(attribute(forwarded.resource_logs(0).resource(), "host.name").first, "web-1");
  // gzip works for JSON as for protobuf.
  EXPECT_EQ(h.post("/v1/logs", json, "application/json", {}, net::Codec::kGzip).status, 200);
}

TEST(HttpReceiver, UndecodableJsonIs400WithAJsonStatus) {
  LoopbackHarness h{std::string(kOpen)};
  auto response = h.post("/v1/traces", "{\"resourceSpans\":", "application/json");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(header(response, "content-type"), "application/json");
  EXPECT_TRUE(response.body.starts_with(
      R"({"code":3,"message":"the body is not a valid OTLP/JSON ExportTraceServiceRequest: )"))
      << response.body;
}

TEST(HttpReceiver, AnAddressInUseFailsTheStartNamingTheKey) {
  LoopbackHarness h{std::string(kOpen)};
  auto table =
      toml::parse("http_listen = \"127.0.0.1:" + std::to_string(h.collector().http_port()) +
                  "\"\ngrpc_listen = \"\"\n");
  config::Diagnostics diagnostics;
  auto reader_context = std::make_shared<config::ReaderContext>();
  reader_context->diagnostics = &diagnostics;
  config::ConfigReader reader(reader_context, &table, "collectors.otlp");
  auto factory = otlp_collector_factory();
  app::CollectorSpec spec;
  spec.identity = {"otlp", "second", "otlp/second", "collectors.otlp"};
  spec.config = factory.parse(reader);
  reader.finish();
  ASSERT_TRUE(diagnostics.ok());
  auto second = factory.create(spec, h.context());
  ASSERT_TRUE(second.has_value());
  auto started = (*second)->start();
  ASSERT_FALSE(started.has_value());
  EXPECT_TRUE(started.error().message.starts_with("collectors.otlp.http_listen: "))
      << started.error().message;
  // The first one still serves.
  EXPECT_EQ(h.post("/v1/traces", traces(1).SerializeAsString()).status, 200);
}

}  // namespace
}  // namespace vigil::collectors::otlp
