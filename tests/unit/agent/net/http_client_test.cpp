#include "agent/net/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/core/clock.h"
#include "agent/net/compression.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "vigil/version.h"

namespace vigil::net {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A request as the server saw it (HttpRequest is move-only through the handler; keep a copy).
struct Seen {
  std::string method;
  std::string path;
  std::string query;
  HttpHeaders headers;
  std::string body;
};

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest()
      : logger_(telemetry::Logger::Options{}, clock_,
                [this](std::string_view line) { log_.emplace_back(line); }) {
    EXPECT_EQ(uv_loop_init(&loop_), 0);
  }

  ~HttpClientTest() override {
    client_.reset();
    held_.clear();
    if (server_) server_->close();
    server_.reset();
    // Closing handles need loop turns to free their memory.
    for (int i = 0; i < 100 && uv_loop_alive(&loop_) != 0; ++i) uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open on the loop";
  }

  // Starts the project's own server on 127.0.0.1:0. The handler sees every request after it was
  // recorded in seen_.
  void start_server(std::function<void(const HttpRequest&, HttpResponder)> handler) {
    handler_ = std::move(handler);
    HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    server_ = std::make_unique<HttpServer>(
        &loop_, options,
        [this](HttpRequest&& request, HttpResponder responder) {
          seen_.push_back(
              Seen{request.method, request.path, request.query, request.headers, request.body});
          handler_(request, std::move(responder));
        },
        logger_);
    auto listening = server_->listen();
    ASSERT_TRUE(listening.has_value()) << listening.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  void start_answering(int status, std::string body, HttpHeaders headers = {}) {
    start_server([status, body, headers](const HttpRequest&, HttpResponder responder) {
      responder.send(HttpResponse{status, headers, body});
    });
  }

  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(&loop_, logger_);
    return *client_;
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  // Runs the loop until `done()` holds; false after `limit` (so no test can hang).
  bool run_until(const std::function<bool()>& done, core::Duration limit = 10s) {
    // A ticking timer makes each UV_RUN_ONCE return, so the deadline is checked.
    UvTimer ticker(&loop_);
    ticker.start(
        1ms, [] {}, 1ms);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Sends one request and waits for its response.
  HttpClientResponse fetch(HttpClientRequest request) {
    std::optional<HttpClientResponse> response;
    client().send(std::move(request), [&](HttpClientResponse r) { response = std::move(r); });
    EXPECT_TRUE(run_until([&] { return response.has_value(); })) << "no response in time";
    return response.value_or(HttpClientResponse{});
  }

  core::SystemClock clock_;
  std::vector<std::string> log_;
  telemetry::Logger logger_;
  uv_loop_t loop_{};
  std::function<void(const HttpRequest&, HttpResponder)> handler_;
  std::vector<Seen> seen_;
  std::vector<HttpResponder> held_;  // requests the server leaves unanswered
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

// A port with a bound socket that does not listen: connecting to it is refused, and no other
// process can take the port while the test runs.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~RefusingPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

TEST_F(HttpClientTest, PostRoundTripsMethodPathHeadersAndBody) {
  start_answering(200, "pong", {{"X-Reply", "yes"}, {"Cache-Control", "no-store"}});
  HttpClientRequest request;
  request.url = url("/v1/echo?x=1");
  request.headers = {{"X-Test", "abc"}, {"Content-Type", "application/x-protobuf"}};
  request.body = std::string("ping\0with nul", 13);
  HttpClientResponse response = fetch(request);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.error, "");
  EXPECT_FALSE(response.timed_out);
  EXPECT_EQ(response.body, "pong");
  EXPECT_EQ(find_header(response.headers, "x-reply"), "yes");
  EXPECT_EQ(find_header(response.headers, "cache-control"), "no-store");
  for (const HttpHeader& h : response.headers) {
    for (char c : h.name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << h.name << " not lower-cased";
  }

  ASSERT_EQ(seen_.size(), 1u);
  const Seen& seen = seen_[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/v1/echo");
  EXPECT_EQ(seen.query, "x=1");
  EXPECT_EQ(seen.body, std::string("ping\0with nul", 13));
  EXPECT_EQ(find_header(seen.headers, "x-test"), "abc");
  EXPECT_EQ(find_header(seen.headers, "content-type"), "application/x-protobuf");
  EXPECT_EQ(find_header(seen.headers, "content-length"), "13");
  EXPECT_EQ(find_header(seen.headers, "user-agent"), std::string("vigil/") + kVersion);
  EXPECT_EQ(find_header(seen.headers, "expect"), "");  // no 100-continue round trip
  EXPECT_EQ(find_header(seen.headers, "content-encoding"), "");
}

TEST_F(HttpClientTest, PostWithoutContentTypeSendsNoFormContentType) {
  start_answering(204, "");
  HttpClientRequest request;
  request.url = url("/raw");
  request.body = "{}";
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 204);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(find_header(seen_[0].headers, "content-type"), "");
}

TEST_F(HttpClientTest, GetAndDeleteCarryTheirMethods) {
  start_server([](const HttpRequest& request, HttpResponder responder) {
    responder.send(HttpResponse{200, {}, request.method + " " + request.target});
  });
  HttpClientRequest get;
  get.method = "GET";
  get.url = url("/metrics");
  HttpClientResponse got = fetch(get);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "GET /metrics");

  HttpClientRequest del;
  del.method = "DELETE";
  del.url = url("/thing/1");
  EXPECT_EQ(fetch(del).body, "DELETE /thing/1");

  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].body, "");
  EXPECT_EQ(find_header(seen_[0].headers, "content-length"), "");
}

class HttpClientCompressionTest : public HttpClientTest,
                                  public ::testing::WithParamInterface<std::tuple<Codec, int>> {};

TEST_P(HttpClientCompressionTest, ServerDecompressesWhatWasSent) {
  auto [codec, size] = GetParam();
  start_answering(200, "ok");
  std::string body;
  for (int i = 0; body.size() < static_cast<std::size_t>(size); ++i) {
    body += "metric_" + std::to_string(i % 97) + "{host=\"a\"} " + std::to_string(i) + "\n";
  }
  body.resize(static_cast<std::size_t>(size));
  HttpClientRequest request;
  request.url = url("/v1/metrics");
  request.body = body;
  request.compression = codec;
  request.headers = {{"Content-Encoding", "bogus"}};  // the client's own encoding wins
  HttpClientResponse response = fetch(request);
  ASSERT_EQ(response.status, 200) << response.error;

  ASSERT_EQ(seen_.size(), 1u);
  std::string_view encoding = find_header(seen_[0].headers, "content-encoding");
  EXPECT_EQ(encoding, to_string(codec));
  EXPECT_LT(seen_[0].body.size(), body.size() / 2) << "the body went out uncompressed";
  auto parsed = parse_codec(encoding);
  ASSERT_TRUE(parsed.has_value());
  auto plain = decompress(*parsed, seen_[0].body, body.size());
  ASSERT_TRUE(plain.has_value()) << plain.error().message;
  EXPECT_EQ(*plain, body);
}

// 1 KiB bodies compress inline; 256 KiB ones on the thread pool.
INSTANTIATE_TEST_SUITE_P(Codecs, HttpClientCompressionTest,
                         ::testing::Combine(::testing::Values(Codec::kGzip, Codec::kZstd,
                                                              Codec::kSnappy),
                                            ::testing::Values(1024, 256 * 1024)),
                         [](const auto& info) {
                           return std::string(to_string(std::get<0>(info.param))) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST_F(HttpClientTest, RetryableStatusKeepsRetryAfterVisible) {
  start_answering(503, "overloaded", {{"Retry-After", "7"}});
  HttpClientRequest request;
  request.url = url("/v1/logs");
  request.body = "x";
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.error, "");
  EXPECT_EQ(find_header(response.headers, "retry-after"), "7");
  EXPECT_EQ(response.body, "overloaded");
}

TEST_F(HttpClientTest, PermanentStatusIsReturnedWithTheServersReason) {
  start_answering(400, "bad payload: field 3");
  HttpClientRequest request;
  request.url = url("/v1/traces");
  request.body = "x";
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.error, "");
  EXPECT_EQ(response.body, "bad payload: field 3");
}

TEST_F(HttpClientTest, UnansweredRequestTimesOut) {
  start_server([this](const HttpRequest&, HttpResponder responder) {
    held_.push_back(std::move(responder));  // never answers in time
  });
  HttpClientRequest request;
  request.url = url("/slow");
  request.body = "x";
  request.timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  HttpClientResponse response = fetch(request);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status, 0);
  EXPECT_TRUE(response.timed_out);
  EXPECT_THAT(response.error, HasSubstr("imeout"));
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_EQ(client().in_flight(), 0u);
}

TEST_F(HttpClientTest, RefusedConnectionIsATransportError) {
  RefusingPort refusing;
  HttpClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(refusing.port()) + "/";
  request.body = "x";
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.timed_out);
  EXPECT_FALSE(response.reused_connection);
  EXPECT_THAT(response.error, HasSubstr("connect"));
  EXPECT_THAT(response.error, HasSubstr(std::to_string(refusing.port())));
}

TEST_F(HttpClientTest, TlsToAPlainServerFailsAsATransportError) {
  start_answering(200, "plain");
  HttpClientRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/";
  request.body = "x";
  request.tls.insecure_skip_verify = true;
  request.timeout = 5s;
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error, "");
}

TEST_F(HttpClientTest, Http2ModesReachLibcurl) {
  start_answering(200, "h1");
  HttpClientRequest request;
  request.url = url("/h2");
  // Mode 1 asks for HTTP/2 only through TLS ALPN: plain http stays HTTP/1.1.
  request.http2 = 1;
  HttpClientResponse offered = fetch(request);
  EXPECT_EQ(offered.status, 200) << offered.error;
  // Mode 2 speaks HTTP/2 at once; this HTTP/1.1 server cannot answer that.
  request.http2 = 2;
  request.timeout = 5s;
  HttpClientResponse prior = fetch(request);
  EXPECT_EQ(prior.status, 0);
  EXPECT_NE(prior.error, "");
  request.http2 = 3;
  HttpClientResponse invalid = fetch(request);
  EXPECT_EQ(invalid.status, 0);
  EXPECT_THAT(invalid.error, HasSubstr("http2"));
}

TEST_F(HttpClientTest, ConsecutiveRequestsReuseOneConnection) {
  start_answering(200, "ok");
  HttpClientRequest request;
  request.url = url("/a");
  request.body = "1";
  HttpClientResponse first = fetch(request);
  request.url = url("/b");
  HttpClientResponse second = fetch(request);
  HttpClientResponse third = fetch(request);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  EXPECT_FALSE(first.reused_connection);
  EXPECT_TRUE(second.reused_connection);
  EXPECT_TRUE(third.reused_connection);
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsAllComplete) {
  start_server([](const HttpRequest& request, HttpResponder responder) {
    responder.send(HttpResponse{200, {}, "answer to " + request.path});
  });
  constexpr int kRequests = 50;
  std::vector<std::optional<HttpClientResponse>> responses(kRequests);
  int calls = 0;
  for (int i = 0; i < kRequests; ++i) {
    HttpClientRequest request;
    request.url = url("/r/" + std::to_string(i));
    request.body = std::to_string(i);
    client().send(std::move(request), [&, i](HttpClientResponse r) {
      ++calls;
      responses[i] = std::move(r);
    });
  }
  EXPECT_EQ(client().in_flight(), static_cast<std::size_t>(kRequests));
  ASSERT_TRUE(run_until([&] { return calls == kRequests; }));
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(responses[i].has_value());
    EXPECT_EQ(responses[i]->status, 200) << responses[i]->error;
    EXPECT_EQ(responses[i]->body, "answer to /r/" + std::to_string(i));
  }
  EXPECT_EQ(seen_.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(client().in_flight(), 0u);
  // Exactly once: nothing more arrives later.
  run_until([] { return false; }, 50ms);
  EXPECT_EQ(calls, kRequests);
}

TEST_F(HttpClientTest, CallbackRunsOnTheLoopNeverInsideSend) {
  start_answering(200, "ok");
  HttpClientRequest bad;
  bad.url = url("/x");
  bad.headers = {{"X-Injected", "a\r\nEvil: 1"}};
  std::optional<HttpClientResponse> response;
  client().send(bad, [&](HttpClientResponse r) { response = std::move(r); });
  EXPECT_FALSE(response.has_value());
  EXPECT_EQ(client().in_flight(), 1u);
  ASSERT_TRUE(run_until([&] { return response.has_value(); }));
  EXPECT_EQ(response->status, 0);
  EXPECT_THAT(response->error, HasSubstr("X-Injected"));
  EXPECT_TRUE(seen_.empty()) << "an invalid request reached the wire";
}

TEST_F(HttpClientTest, OversizedResponseBodyFails) {
  start_answering(200, std::string(64 * 1024, 'b'));
  HttpClientRequest request;
  request.url = url("/big");
  request.max_response_bytes = 1000;
  HttpClientResponse response = fetch(request);
  EXPECT_EQ(response.status, 0);
  EXPECT_THAT(response.error, HasSubstr("exceeds 1000 bytes"));
}

TEST_F(HttpClientTest, CancelAllCompletesPendingRequestsAndAllowsNewOnes) {
  start_server([this](const HttpRequest& request, HttpResponder responder) {
    if (request.path == "/after") {
      responder.send(HttpResponse{200, {}, "after"});
    } else {
      held_.push_back(std::move(responder));
    }
  });
  std::vector<std::string> errors;
  std::optional<HttpClientResponse> after;
  for (int i = 0; i < 3; ++i) {
    HttpClientRequest request;
    request.url = url("/hold");
    request.body = "x";
    client().send(std::move(request), [&](HttpClientResponse r) {
      errors.push_back(r.error);
      if (errors.size() == 1) {
        // Sending again from a cancellation callback is allowed.
        HttpClientRequest again;
        again.url = url("/after");
        client().send(std::move(again), [&](HttpClientResponse r2) { after = std::move(r2); });
      }
    });
  }
  ASSERT_TRUE(run_until([&] { return held_.size() == 3; }));
  EXPECT_EQ(client().in_flight(), 3u);
  client().cancel_all();
  ASSERT_EQ(errors.size(), 3u);
  for (const std::string& e : errors) EXPECT_EQ(e, "cancelled");
  EXPECT_EQ(client().in_flight(), 1u);  // the one sent from a callback
  ASSERT_TRUE(run_until([&] { return after.has_value(); }));
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(after->body, "after");
  EXPECT_EQ(errors.size(), 3u);
}

TEST_F(HttpClientTest, CancelAllCoversRequestsStillBeingCompressed) {
  start_answering(200, "ok");
  int calls = 0;
  std::string error;
  HttpClientRequest request;
  request.url = url("/big");
  request.body = std::string(1024 * 1024, 'z');
  request.compression = Codec::kGzip;
  client().send(std::move(request), [&](HttpClientResponse r) {
    ++calls;
    error = r.error;
  });
  client().cancel_all();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(error, "cancelled");
  // The pool job finishes later and must not start the transfer or call back again.
  run_until([] { return false; }, 300ms);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(seen_.empty());
}

TEST_F(HttpClientTest, DestroyingTheClientCancelsRequestsInFlight) {
  start_server([this](const HttpRequest&, HttpResponder responder) {
    held_.push_back(std::move(responder));
  });
  int calls = 0;
  std::string error;
  HttpClientRequest request;
  request.url = url("/hold");
  request.body = "x";
  client().send(request, [&](HttpClientResponse r) {
    ++calls;
    error = r.error;
  });
  ASSERT_TRUE(run_until([&] { return held_.size() == 1; }));
  client_.reset();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(error, "cancelled");
  // The server answering afterwards reaches nobody.
  held_.front().send(HttpResponse{200, {}, "late"});
  run_until([] { return false; }, 50ms);
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpClientTest, CallbackMayDestroyTheClient) {
  start_server([this](const HttpRequest& request, HttpResponder responder) {
    if (request.path == "/fast") {
      responder.send(HttpResponse{200, {}, "fast"});
    } else {
      held_.push_back(std::move(responder));
    }
  });
  std::vector<std::string> results;
  HttpClientRequest slow;
  slow.url = url("/hold");
  client().send(slow, [&](HttpClientResponse r) { results.push_back("slow:" + r.error); });
  HttpClientRequest fast;
  fast.url = url("/fast");
  client().send(fast, [&](HttpClientResponse r) {
    results.push_back("fast:" + r.body);
    client_.reset();  // destroys the client from inside its own callback
  });
  ASSERT_TRUE(run_until([&] { return results.size() == 2; }));
  EXPECT_THAT(results, ::testing::ElementsAre("fast:fast", "slow:cancelled"));
}

}  // namespace
}  // namespace vigil::net
