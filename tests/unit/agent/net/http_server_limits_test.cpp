#include <algorithm>
#include <random>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "agent/net/http_server.h"
#include "tests/unit/agent/net/http_server_test_support.h"

// The server's defences: size and time limits, connection limits, malformed input.

namespace vigil::net {
namespace {

using namespace std::chrono_literals;
using testing::ClientResponse;
using testing::TestClient;
using testing::text_response;

class HttpServerLimitsTest : public testing::HttpServerFixture {};

TEST_F(HttpServerLimitsTest, UnknownExpectationGets417) {
  start_echo();
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    c.send("PUT /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: teapot\r\n\r\n");
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 417);
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, OversizedHeadGets431AndClose) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  start_echo(options);
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n");
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, ManySmallHeadersOverTheLimitGet431) {
  // About 1 KiB of 9-byte headers: the limit counts the whole head, not one header or read.
  HttpServerOptions options;
  options.max_header_bytes = 512;
  start_echo(options);
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\n");
    for (int i = 0; i < 100 && c.send(fmt::format("H{}: v\r\n", i)); ++i) {
    }
    c.send("\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, OversizedContentLengthGets413BeforeTheBody) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  start_echo(options);
  std::optional<ClientResponse> plain, expecting;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    // No body is sent: the answer must come from the head alone.
    c.send("POST /x HTTP/1.1\r\nContent-Length: 100000\r\n\r\n");
    plain = c.read_response();
    closed = c.wait_closed_by_server();
    TestClient e(port());
    e.send("POST /x HTTP/1.1\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n");
    expecting = e.read_response();  // 413, never 100
  });
  ASSERT_TRUE(plain && expecting);
  EXPECT_EQ(plain->status, 413);
  EXPECT_EQ(plain->header("connection"), "close");
  EXPECT_TRUE(closed);
  EXPECT_EQ(expecting->status, 413);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, ErrorResponseHookShapesTheServersOwnAnswers) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  std::string seen_path, seen_type;
  options.error_response = [&](const HttpRequest& partial, HttpResponse& answer) {
    seen_path = partial.path;
    seen_type = std::string(partial.header("content-type"));
    answer.status = 200;  // ignored: the verdict stays the server's
    answer.headers = {{"Content-Type", "application/json"}};
    answer.body = R"({"message":"too large"})";
  };
  start_echo(options);
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    c.send(
        "POST /v1/logs HTTP/1.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000\r\n\r\n");
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->body, R"({"message":"too large"})");
  EXPECT_TRUE(closed);
  EXPECT_EQ(seen_path, "/v1/logs");
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, BodyAtTheLimitIsAccepted) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  start_echo(options);
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /x  0123456789");
}

TEST_F(HttpServerLimitsTest, OversizedChunkedBodyGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  start_echo(options);
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    c.send("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n01234567\r\n");
    c.send("8\r\n89abcdef\r\n0\r\n\r\n");
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, SlowHeadGets408AndClose) {
  HttpServerOptions options;
  options.header_timeout = 200ms;
  start_echo(options);
  std::optional<ClientResponse> r;
  bool closed = false;
  std::chrono::steady_clock::duration waited{};
  with_client([&] {
    TestClient c(port());
    auto begin = std::chrono::steady_clock::now();
    c.send("GET / HTTP/1.1\r\nHost: slow\r\n");  // the blank line never comes
    r = c.read_response();
    waited = std::chrono::steady_clock::now() - begin;
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_GE(waited, 190ms);
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, SlowBodyGets408) {
  HttpServerOptions options;
  options.body_timeout = 200ms;
  start_echo(options);
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, IdleKeepAliveConnectionIsClosedSilently) {
  HttpServerOptions options;
  options.idle_timeout = 200ms;
  start_echo(options);
  std::optional<ClientResponse> r;
  bool closed = false;
  std::chrono::steady_clock::duration waited{};
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\n\r\n");
    r = c.read_response();
    auto begin = std::chrono::steady_clock::now();
    closed = c.wait_closed_by_server();  // no bytes, just the close
    waited = std::chrono::steady_clock::now() - begin;
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(closed);
  EXPECT_GE(waited, 150ms);
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
}

TEST_F(HttpServerLimitsTest, TwoHundredConcurrentConnections) {
  constexpr int kClients = 200;
  start_echo();
  std::vector<std::string> bodies(kClients);
  with_client([&] {
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.push_back(std::make_unique<TestClient>(port()));
      clients.back()->send(fmt::format("GET /{} HTTP/1.1\r\n\r\n", i));
    }
    for (int i = 0; i < kClients; ++i) {
      if (auto r = clients[static_cast<std::size_t>(i)]->read_response()) {
        bodies[static_cast<std::size_t>(i)] = r->body;
      }
    }
  });
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(bodies[static_cast<std::size_t>(i)], fmt::format("GET /{}  ", i));
  }
  EXPECT_EQ(server_->accepted_connections(), static_cast<std::uint64_t>(kClients));
  EXPECT_EQ(server_->rejected_connections(), 0U);
}

TEST_F(HttpServerLimitsTest, MaxConnectionsIsEnforced) {
  HttpServerOptions options;
  options.max_connections = 2;
  start_echo(options);
  TestClient first(port());
  TestClient second(port());
  std::optional<ClientResponse> r1, r2;
  bool third_closed = false;
  with_client([&] {
    first.send("GET /1 HTTP/1.1\r\n\r\n");
    r1 = first.read_response();
    second.send("GET /2 HTTP/1.1\r\n\r\n");
    r2 = second.read_response();
    TestClient third(port());
    third_closed = third.wait_closed_by_server();
  });
  ASSERT_TRUE(r1 && r2);
  EXPECT_TRUE(third_closed);
  EXPECT_EQ(server_->rejected_connections(), 1U);
  EXPECT_EQ(server_->open_connections(), 2U);

  first.close();
  ASSERT_TRUE(run_until([&] { return server_->open_connections() == 1; }));
  std::optional<ClientResponse> r4;
  with_client([&] {
    TestClient fourth(port());
    fourth.send("GET /4 HTTP/1.1\r\n\r\n");
    r4 = fourth.read_response();
  });
  ASSERT_TRUE(r4);
  EXPECT_EQ(r4->body, "GET /4  ");
  EXPECT_EQ(server_->rejected_connections(), 1U);
}

TEST_F(HttpServerLimitsTest, GarbageGets400AndTheServerCarriesOn) {
  start_echo();
  std::optional<ClientResponse> bad, good;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    c.send(std::string("\x01\x02\xff garbage\r\n\r\n", 14));
    bad = c.read_response();
    closed = c.wait_closed_by_server();
    TestClient next(port());
    next.send("GET /ok HTTP/1.1\r\n\r\n");
    good = next.read_response();
  });
  ASSERT_TRUE(bad && good);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "invalid HTTP method\n");
  EXPECT_EQ(bad->header("connection"), "close");
  EXPECT_TRUE(closed);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(good->body, "GET /ok  ");
}

TEST_F(HttpServerLimitsTest, GarbageAfterAHeadRequestGetsA400WithBody) {
  start_echo();
  std::optional<ClientResponse> head, bad;
  with_client([&] {
    TestClient c(port());
    c.send("HEAD / HTTP/1.1\r\n\r\n\x01garbage\r\n\r\n");
    head = c.read_response(/*head=*/true);
    bad = c.read_response();
  });
  ASSERT_TRUE(head && bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "invalid HTTP method\n");
}

TEST_F(HttpServerLimitsTest, MalformedHeaderAfterAValidRequestIsAnsweredInOrder) {
  start_echo();
  std::optional<ClientResponse> good, bad;
  with_client([&] {
    TestClient c(port());
    c.send("GET /first HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\nBad Header\r\n\r\n");
    good = c.read_response();
    bad = c.read_response();
  });
  ASSERT_TRUE(good && bad);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(handled_, 1);
}

TEST_F(HttpServerLimitsTest, Http2PrefaceIsAMalformedHttp1Request) {
  start_echo();
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(HttpServerLimitsTest, OtherHttpVersionsGet505AndConnectGets501) {
  start_echo();
  std::optional<ClientResponse> version, connect;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/2.0\r\n\r\n");
    version = c.read_response();
    TestClient d(port());
    d.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    connect = d.read_response();
  });
  ASSERT_TRUE(version && connect);
  EXPECT_EQ(version->status, 505);
  EXPECT_EQ(connect->status, 501);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, UnsupportedTransferEncodingGets501) {
  start_echo();
  std::optional<ClientResponse> gzip, stacked;
  with_client([&] {
    TestClient c(port());
    c.send("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxxxx");
    gzip = c.read_response();
    TestClient d(port());
    d.send("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
    stacked = d.read_response();
  });
  ASSERT_TRUE(gzip && stacked);
  EXPECT_EQ(gzip->status, 501);
  EXPECT_EQ(stacked->status, 501);
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerLimitsTest, RandomInputNeverHurtsTheServer) {
  // Fixed seed: random bytes, and valid requests cut and corrupted at random points, each on
  // its own connection in random-sized writes. Whatever comes back, the server must stay up.
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 4096;
  start_echo(options);
  const std::string valid =
      "POST /v1/metrics?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
      "Expect: 100-continue\r\n\r\n4\r\nabcd\r\n0\r\nT: 1\r\n\r\n"
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nxyz";
  std::mt19937 random(20240501);
  std::vector<std::string> inputs;
  for (int i = 0; i < 120; ++i) {
    std::string input = valid.substr(0, random() % valid.size());
    if (i % 3 == 0) input.clear();
    const std::size_t noise = random() % 200;
    for (std::size_t j = 0; j < noise; ++j) input.push_back(static_cast<char>(random() % 256));
    if (!input.empty() && i % 2 == 0) input[random() % input.size()] ^= 0x20;
    inputs.push_back(std::move(input));
  }
  std::vector<std::size_t> cuts;
  for (int i = 0; i < 1000; ++i) cuts.push_back(1 + random() % 64);
  with_client([&] {
    std::size_t cut = 0;
    for (const auto& input : inputs) {
      TestClient c(port());
      std::string_view rest = input;
      while (!rest.empty()) {
        auto n = std::min(rest.size(), cuts[cut++ % cuts.size()]);
        if (!c.send(rest.substr(0, n))) break;
        rest.remove_prefix(n);
      }
    }
  });
  std::optional<ClientResponse> after;
  with_client([&] {
    TestClient c(port());
    c.send("GET /still-here HTTP/1.1\r\n\r\n");
    after = c.read_response();
  });
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "GET /still-here  ");
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
}

}  // namespace
}  // namespace vigil::net
