#include "agent/net/grpc_server.h"

#include <algorithm>
#include <random>

#include <gmock/gmock.h>

#include "agent/net/compression.h"
#include "agent/net/http_client.h"
#include "tests/unit/agent/net/grpc_server_test_support.h"

namespace vigil::net::testing {
namespace {

using ::testing::HasSubstr;

using GrpcServerTest = GrpcServerFixture;

TEST_F(GrpcServerTest, UnaryRoundTripOverCurlHttp2) {
  start(GrpcServerOptions{}, [this](GrpcRequest&& request, GrpcResponder responder) {
    requests_.push_back(request);
    GrpcResponse response;
    response.body = "answer to " + request.message;
    response.trailers.push_back({"x-served-by", "vigil"});
    responder.send(std::move(response));
  });
  HttpClient client(&loop_, *logger_);
  HttpClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port()) + std::string(kExport);
  request.http2 = 2;
  request.headers = {{"content-type", "application/grpc"},
                     {"te", "trailers"},
                     {"x-tenant", "blue"},
                     {"x-trace-bin", "AAEC"}};
  request.body = grpc_frame("request bytes");
  std::optional<HttpClientResponse> response;
  client.send(request, [&](HttpClientResponse r) { response = std::move(r); });
  ASSERT_TRUE(run_until([&] { return response.has_value(); }));
  ASSERT_EQ(response->status, 200) << response->error;
  EXPECT_EQ(find_header(response->headers, "content-type"), "application/grpc");
  EXPECT_EQ(find_header(response->headers, "grpc-status"), "0");  // trailers are appended
  EXPECT_EQ(find_header(response->headers, "x-served-by"), "vigil");
  EXPECT_EQ(response->body, grpc_frame("answer to request bytes"));
  ASSERT_EQ(requests_.size(), 1u);
  const auto& got = requests_[0];
  EXPECT_EQ(got.path, kExport);
  EXPECT_EQ(got.message, "request bytes");
  EXPECT_EQ(got.header("x-tenant"), "blue");
  EXPECT_EQ(got.header("x-trace-bin"), "AAEC");
  EXPECT_EQ(got.header("te"), "trailers");
  EXPECT_EQ(got.header(":path"), "");  // pseudo-headers are not metadata
  EXPECT_THAT(got.remote, HasSubstr("127.0.0.1:"));
}

TEST_F(GrpcServerTest, OkAnswerIsHeadersDataTrailers) {
  start_echo();
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("ping"));
    ASSERT_TRUE(client.wait_closed(id));
    auto& call = client.call(id);
    EXPECT_EQ(call.header(":status"), "200");
    EXPECT_EQ(call.header("content-type"), "application/grpc");
    EXPECT_EQ(call.header("grpc-status"), "");  // not Trailers-Only
    EXPECT_EQ(call.data, grpc_frame("ping"));
    EXPECT_EQ(call.trailer("grpc-status"), "0");
    EXPECT_EQ(call.error_code, NGHTTP2_NO_ERROR);
    EXPECT_EQ(client.max_concurrent_streams(), 100u);
  });
}

TEST_F(GrpcServerTest, ErrorIsTrailersOnlyWithEncodedMessageAndDetails) {
  const std::string details(
      "\x08\x0e\x12\x04"
      "busy",
      8);  // google.rpc.Status{14, "busy"}
  start(GrpcServerOptions{}, [&](GrpcRequest&&, GrpcResponder responder) {
    GrpcResponse response;
    response.code = kGrpcUnavailable;
    response.message = "queue 100% full\nretry ünïcode";
    response.status_details = details;
    response.body = "never sent";
    responder.send(std::move(response));
  });
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.wait_closed(id));
    auto& call = client.call(id);
    EXPECT_EQ(call.header_blocks, 1);
    EXPECT_EQ(call.header(":status"), "200");
    EXPECT_EQ(call.header("content-type"), "application/grpc");
    EXPECT_EQ(call.header("grpc-status"), "14");
    EXPECT_EQ(call.header("grpc-message"), "queue 100%25 full%0Aretry %C3%BCn%C3%AFcode");
    EXPECT_EQ(call.header("grpc-status-details-bin"), "CA4SBGJ1c3k");
    EXPECT_EQ(call.data, "");
    EXPECT_TRUE(call.trailers.empty());
  });
}

TEST_F(GrpcServerTest, OkWithMessageDetailsAndTrailersDropsReservedOnes) {
  start(GrpcServerOptions{}, [&](GrpcRequest&&, GrpcResponder responder) {
    GrpcResponse response;
    response.body = "b";
    response.message = "partial";
    response.status_details = "x";
    response.trailers = {
        {"X-Extra", "1"}, {"grpc-status", "13"}, {"bad name", "v"}, {"x-bad-value", "a\nb"}};
    responder.send(std::move(response));
  });
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.wait_closed(id));
    auto& call = client.call(id);
    EXPECT_EQ(call.data, grpc_frame("b"));
    EXPECT_EQ(call.trailer("grpc-status"), "0");
    EXPECT_EQ(call.trailer("grpc-message"), "partial");
    EXPECT_EQ(call.trailer("grpc-status-details-bin"), "eA");
    EXPECT_EQ(call.trailer("x-extra"), "1");
    EXPECT_EQ(call.trailers.size(), 4u);
  });
  EXPECT_TRUE(logged("dropped 3 trailer(s)"));
}

TEST_F(GrpcServerTest, OutOfRangeCodeIsSentAsUnknown) {
  start(GrpcServerOptions{}, [&](GrpcRequest&&, GrpcResponder responder) {
    GrpcResponse response;
    response.code = 99;
    responder.send(std::move(response));
  });
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(id).status(), "2");
  });
}

TEST_F(GrpcServerTest, GzipAndZstdRequestsAreDecompressed) {
  start_echo();
  const std::string small = "compressed request message";
  std::string large(300 * 1024, '\0');  // above the thread-pool threshold once compressed
  std::mt19937 rng(7);
  for (auto& c : large) c = static_cast<char>('a' + rng() % 4);
  with_client([&] {
    H2Client client(port());
    std::vector<std::int32_t> ids;
    for (auto codec : {Codec::kGzip, Codec::kZstd}) {
      for (const std::string* message : {&small, static_cast<const std::string*>(&large)}) {
        auto packed = compress(codec, *message);
        ASSERT_TRUE(packed.has_value());
        H2Request request = call_with("");
        request.body = grpc_frame(*packed, true);
        request.metadata = {{"grpc-encoding", std::string(to_string(codec))}};
        ids.push_back(client.start(request));
      }
    }
    for (auto id : ids) ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(ids[0]).data, grpc_frame(small));
    EXPECT_EQ(client.call(ids[1]).data, grpc_frame(large));
    EXPECT_EQ(client.call(ids[2]).data, grpc_frame(small));
    EXPECT_EQ(client.call(ids[3]).data, grpc_frame(large));
    for (auto id : ids) EXPECT_EQ(client.call(id).status(), "0");
  });
  ASSERT_EQ(requests_.size(), 4u);
}

TEST_F(GrpcServerTest, UnknownEncodingIsUnimplementedWithAcceptEncoding) {
  start_echo();
  with_client([&] {
    H2Client client(port());
    H2Request request = call_with("x");
    request.metadata = {{"grpc-encoding", "br"}};
    request.body = grpc_frame("whatever", true);
    auto id = client.start(request);
    ASSERT_TRUE(client.wait_closed(id));
    auto& call = client.call(id);
    EXPECT_EQ(call.header("grpc-status"), "12");
    EXPECT_THAT(std::string(call.header("grpc-message")), HasSubstr("br"));
    EXPECT_EQ(call.header("grpc-accept-encoding"), "identity,gzip,zstd");
  });
  EXPECT_TRUE(requests_.empty());
}

TEST_F(GrpcServerTest, CompressedFlagWithoutEncodingIsInternal) {
  start_echo();
  with_client([&] {
    H2Client client(port());
    H2Request request = call_with("");
    request.body = grpc_frame("not really compressed", true);
    auto id = client.start(request);
    ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(id).status(), "13");
  });
  EXPECT_TRUE(requests_.empty());
}

TEST_F(GrpcServerTest, TwoMessagesOrNoneInAUnaryCallAreErrors) {
  start_echo();
  with_client([&] {
    H2Client client(port());
    H2Request two = call_with("");
    two.body = grpc_frame("one") + grpc_frame("two");
    auto a = client.start(two);
    H2Request none = call_with("");
    none.body.clear();
    auto b = client.start(none);
    H2Request truncated = call_with("");
    truncated.body = grpc_frame("truncated").substr(0, 8);
    auto c = client.start(truncated);
    ASSERT_TRUE(client.wait_closed(a));
    ASSERT_TRUE(client.wait_closed(b));
    ASSERT_TRUE(client.wait_closed(c));
    EXPECT_EQ(client.call(a).status(), "12");
    EXPECT_THAT(std::string(client.call(a).header("grpc-message")),
                HasSubstr("more than one request message"));
    EXPECT_EQ(client.call(b).status(), "13");
    EXPECT_THAT(std::string(client.call(b).header("grpc-message")), HasSubstr("no message"));
    EXPECT_EQ(client.call(c).status(), "13");
  });
  EXPECT_TRUE(requests_.empty());
}

TEST_F(GrpcServerTest, FiftyConcurrentCallsAnsweredOutOfOrder) {
  start_deferred();
  std::atomic<bool> all_closed{false};
  std::thread client_thread([&] {
    H2Client client(port());
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 50; ++i) {
      ids.push_back(client.start(call_with("call " + std::to_string(i))));
    }
    EXPECT_TRUE(client.pump_until([&] { return deferred_count_.load() == 50; }));
    EXPECT_FALSE(client.call(ids[0]).closed);  // nobody answered yet
    for (auto id : ids) EXPECT_TRUE(client.wait_closed(id));
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(client.call(ids[i]).data, grpc_frame("re: call " + std::to_string(i)));
      EXPECT_EQ(client.call(ids[i]).trailer("grpc-status"), "0");
    }
    all_closed = true;
  });
  ASSERT_TRUE(run_until([&] { return deferred_count_.load() == 50; }));
  // All 50 are in flight on one connection at once; answered in a shuffled order, a few at a
  // time with loop turns in between.
  std::vector<std::size_t> order(50);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (std::size_t n = 0; n < order.size(); ++n) {
    auto i = order[n];
    EXPECT_TRUE(responders_[i].connected());
    responders_[i].send(ok_response("re: " + requests_[i].message));
    if (n % 7 == 0) run_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(run_until([&] { return all_closed.load(); }));
  client_thread.join();
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
}

TEST_F(GrpcServerTest, ResetStreamCancelsTheCall) {
  start_deferred();
  std::atomic<bool> reset_seen{false};
  std::atomic<bool> resume{false};
  std::thread client_thread([&] {
    H2Client client(port());
    auto id = client.start(call_with("slow"));
    client.pump_until([&] { return deferred_count_.load() == 1; });
    client.reset(id);
    client.flush();
    client.pump_until([&] { return resume.load(); });
    // The connection still serves after the reset.
    auto next = client.start(call_with("next"));
    client.pump_until([&] { return deferred_count_.load() == 2; });
    reset_seen = client.wait_closed(next);
    EXPECT_EQ(client.call(next).data, grpc_frame("late answer"));
  });
  ASSERT_TRUE(run_until([&] { return deferred_count_.load() == 1; }));
  ASSERT_TRUE(run_until([&] { return !responders_[0].connected(); }));
  responders_[0].send(ok_response("too late"));  // no-op
  resume = true;
  ASSERT_TRUE(run_until([&] { return deferred_count_.load() == 2; }));
  EXPECT_TRUE(responders_[1].connected());
  responders_[1].send(ok_response("late answer"));
  EXPECT_FALSE(responders_[1].connected());
  run_until([&] { return reset_seen.load(); });
  client_thread.join();
  EXPECT_TRUE(reset_seen);
  EXPECT_TRUE(logged("cancelled"));
}

TEST_F(GrpcServerTest, DroppedResponderAnswersInternal) {
  start(GrpcServerOptions{}, [](GrpcRequest&&, GrpcResponder) {});
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(id).status(), "13");
    EXPECT_EQ(client.call(id).header("grpc-message"), "no response");
  });
}

TEST_F(GrpcServerTest, ThrowingHandlerAnswersInternal) {
  start(GrpcServerOptions{},
        [](GrpcRequest&&, GrpcResponder) { throw std::runtime_error("handler bug"); });
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(id).status(), "13");
  });
  EXPECT_TRUE(logged("handler bug"));
}

TEST_F(GrpcServerTest, NonPostIs405AndWrongContentTypeIs415) {
  start_echo();
  with_client([&] {
    H2Client client(port());
    H2Request get = call_with("x");
    get.method = "GET";
    get.body.clear();
    auto a = client.start(get);
    H2Request json = call_with("x");
    json.content_type = "application/json";
    auto b = client.start(json);
    H2Request web = call_with("x");
    web.content_type = "application/grpc-web";
    auto c = client.start(web);
    H2Request plus = call_with("proto");
    plus.content_type = "application/grpc+proto";
    auto d = client.start(plus);
    for (auto id : {a, b, c, d}) ASSERT_TRUE(client.wait_closed(id));
    EXPECT_EQ(client.call(a).header(":status"), "405");
    EXPECT_EQ(client.call(a).header("allow"), "POST");
    EXPECT_EQ(client.call(b).header(":status"), "415");
    EXPECT_EQ(client.call(c).header(":status"), "415");
    EXPECT_EQ(client.call(d).header(":status"), "200");
    EXPECT_EQ(client.call(d).data, grpc_frame("proto"));
  });
  EXPECT_EQ(requests_.size(), 1u);
}

TEST_F(GrpcServerTest, GarbageClosesTheConnectionAndTheServerServesTheNextClient) {
  start_echo();
  with_client([&] {
    {
      H2Client garbage(port());
      ASSERT_TRUE(garbage.send_raw(std::string("\x00\xff garbage \r\n\r\n", 16) +
                                   std::string(1000, '\x17')));
      garbage.read_raw(3s);
      EXPECT_TRUE(garbage.eof());
    }
    {
      H2Client http1(port());
      ASSERT_TRUE(
          http1.send_raw("POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
      auto reply = http1.read_raw(3s);
      EXPECT_TRUE(http1.eof());
      EXPECT_EQ(reply.find("HTTP/1.1"), std::string::npos);
    }
    {
      // A valid preface followed by a frame that breaks the protocol (DATA on stream 0):
      // GOAWAY PROTOCOL_ERROR, then close.
      H2Client broken(port());
      ASSERT_TRUE(broken.flush());
      ASSERT_TRUE(broken.send_raw(std::string("\0\0\1\0\0\0\0\0\0x", 10)));
      broken.wait_eof();
      EXPECT_TRUE(broken.goaway());
      EXPECT_EQ(broken.goaway_code(), NGHTTP2_PROTOCOL_ERROR);
    }
    H2Client good(port());
    auto id = good.start(call_with("still here"));
    ASSERT_TRUE(good.wait_closed(id));
    EXPECT_EQ(good.call(id).data, grpc_frame("still here"));
  });
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
}

TEST_F(GrpcServerTest, CloseSendsGoAwayAndDisconnectsResponders) {
  start_deferred();
  std::atomic<bool> closed{false};
  std::atomic<bool> got_goaway{false};
  std::thread client_thread([&] {
    H2Client client(port());
    client.start(call_with("x"));
    client.pump_until([&] { return closed.load(); });
    client.wait_eof(5s);
    got_goaway = client.goaway();
  });
  ASSERT_TRUE(run_until([&] { return deferred_count_.load() == 1; }));
  server_->close();
  closed = true;
  EXPECT_EQ(server_->open_connections(), 0u);
  EXPECT_FALSE(responders_[0].connected());
  responders_[0].send(GrpcResponse{});  // no-op
  run_until([&] { return got_goaway.load(); }, 5s);
  client_thread.join();
  EXPECT_TRUE(got_goaway);
}

TEST_F(GrpcServerTest, HandlerMayCloseTheServerWhileCallsArrive) {
  start(GrpcServerOptions{}, [this](GrpcRequest&& request, GrpcResponder responder) {
    requests_.push_back(request);
    server_->close();  // inside nghttp2's callbacks, with more frames of this read to come
    EXPECT_FALSE(responder.connected());
    responder.send(ok_response("ignored"));
  });
  with_client([&] {
    H2Client client(port());
    client.start(call_with("first"));
    client.start(call_with("second"));
    EXPECT_TRUE(client.wait_eof());
    EXPECT_TRUE(client.goaway());
  });
  EXPECT_EQ(requests_.size(), 1u);
  EXPECT_EQ(server_->open_connections(), 0u);
}

TEST_F(GrpcServerTest, ListenErrorsNameTheAddress) {
  start_echo();
  GrpcServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(port());
  GrpcServer second(
      &loop_, options, [](GrpcRequest&&, GrpcResponder) {}, *logger_);
  auto result = second.listen();
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error().message, HasSubstr(options.listen));
}

}  // namespace
}  // namespace vigil::net::testing
