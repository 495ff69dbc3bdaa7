#include "agent/net/http_server.h"

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "tests/unit/agent/net/http_server_test_support.h"
#include "tests/unit/support/fake_clock.h"

namespace vigil::net {
namespace {

using namespace std::chrono_literals;
using testing::ClientResponse;
using testing::TestClient;
using testing::text_response;

class HttpServerTest : public testing::HttpServerFixture {};

TEST_F(HttpServerTest, GetAndPostWithBody) {
  start_echo();
  std::optional<ClientResponse> get, post;
  with_client([&] {
    TestClient c(port());
    c.send("GET /hello?x=1 HTTP/1.1\r\nHost: a\r\nX-Trace:  abc \r\n\r\n");
    get = c.read_response();
    c.send("POST /v1/logs HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    post = c.read_response();
  });
  ASSERT_TRUE(get && post);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /hello x=1 ");
  EXPECT_EQ(get->header("content-length"), std::to_string(get->body.size()));
  EXPECT_EQ(get->header("content-type"), "text/plain");
  EXPECT_FALSE(get->header("date").empty());
  EXPECT_FALSE(get->has_header("connection"));
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, "POST /v1/logs  hello");
  ASSERT_EQ(requests_.size(), 2U);
  EXPECT_EQ(requests_[0].target, "/hello?x=1");
  EXPECT_EQ(requests_[0].header("X-TRACE"), "abc");  // names lower-cased, value trimmed
  EXPECT_EQ(requests_[0].headers[1].name, "x-trace");
  EXPECT_TRUE(requests_[0].keep_alive);
  EXPECT_TRUE(requests_[0].remote.starts_with("127.0.0.1:")) << requests_[0].remote;
}

TEST_F(HttpServerTest, KeepAliveServesRequestsOnOneConnection) {
  start_echo();
  std::optional<ClientResponse> first, second;
  with_client([&] {
    TestClient c(port());
    c.send("GET /1 HTTP/1.1\r\n\r\n");
    first = c.read_response();
    c.send("GET /2 HTTP/1.1\r\n\r\n");
    second = c.read_response();
  });
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "GET /1  ");
  EXPECT_EQ(second->body, "GET /2  ");
  EXPECT_EQ(server_->accepted_connections(), 1U);
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));  // the client closed
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start_echo();
  std::vector<ClientResponse> responses;
  with_client([&] {
    TestClient c(port());
    c.send(
        "GET /a HTTP/1.1\r\n\r\n"
        "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
        "GET /c HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 3; ++i) {
      if (auto r = c.read_response()) responses.push_back(*r);
    }
  });
  ASSERT_EQ(responses.size(), 3U);
  EXPECT_EQ(responses[0].body, "GET /a  ");
  EXPECT_EQ(responses[1].body, "POST /b  xyz");
  EXPECT_EQ(responses[2].body, "GET /c  ");
}

TEST_F(HttpServerTest, PipelinedAsynchronousAnswersKeepRequestOrder) {
  // The first request is answered last by its timer; answers still come in request order,
  // and a request reaches the handler only once the one before it was answered.
  std::vector<std::string> dispatched;
  int in_flight = 0;
  int max_in_flight = 0;
  start({}, [&](HttpRequest&& request, HttpResponder responder) {
    dispatched.push_back(request.path);
    max_in_flight = std::max(max_in_flight, ++in_flight);
    auto delay = request.path == "/a" ? 150ms : request.path == "/b" ? 10ms : 60ms;
    after(delay, [&, path = request.path,
                  r = std::make_shared<HttpResponder>(std::move(responder))]() mutable {
      --in_flight;
      r->send(text_response(200, path));
    });
  });
  std::vector<std::string> bodies;
  with_client([&] {
    TestClient c(port());
    c.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
    for (int i = 0; i < 3; ++i) {
      if (auto r = c.read_response()) bodies.push_back(r->body);
    }
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(dispatched, (std::vector<std::string>{"/a", "/b", "/c"}));
  EXPECT_EQ(max_in_flight, 1);
}

TEST_F(HttpServerTest, LargePipelinedBodyWaitsBehindAPendingAnswer) {
  // 4 MiB pipelined behind a request answered after 200 ms: more than the server buffers, so it
  // stops reading, then resumes; the body must arrive intact.
  std::string big(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  start({}, [&](HttpRequest&& request, HttpResponder responder) {
    if (request.path == "/slow") {
      after(200ms, [r = std::make_shared<HttpResponder>(std::move(responder))] {
        r->send(text_response(200, "slow"));
      });
      return;
    }
    responder.send(text_response(200, request.body == big ? "intact" : "corrupt"));
  });
  std::vector<std::string> bodies;
  with_client([&] {
    TestClient c(port());
    std::string requests = "GET /slow HTTP/1.1\r\n\r\n";
    requests += fmt::format("POST /big HTTP/1.1\r\nContent-Length: {}\r\n\r\n", big.size());
    requests += big;
    EXPECT_TRUE(c.send(requests));
    for (int i = 0; i < 2; ++i) {
      if (auto r = c.read_response()) bodies.push_back(r->body);
    }
  });
  EXPECT_EQ(bodies, (std::vector<std::string>{"slow", "intact"}));
}

TEST_F(HttpServerTest, AnswersQueueNoFurtherThanTheClientReads) {
  // 64 pipelined requests with 1 MiB answers and a client that does not read yet: the server
  // answers what the socket takes plus one backlog, and dispatches the rest as the client reads.
  constexpr int kRequests = 64;
  const std::string big(1024 * 1024, 'x');
  int dispatched = 0;
  start({}, [&](HttpRequest&&, HttpResponder responder) {
    ++dispatched;
    responder.send(text_response(200, big));
  });
  TestClient c(port(), /*receive_buffer=*/64 * 1024);
  std::string requests;
  for (int i = 0; i < kRequests; ++i) requests += "GET / HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(c.send(requests));
  run_for(300ms);
  EXPECT_GT(dispatched, 0);
  EXPECT_LT(dispatched, 16);  // the kernel holds at most a few MiB of a loopback connection
  int received = 0;
  with_client([&] {
    for (int i = 0; i < kRequests; ++i) {
      auto r = c.read_response();
      if (!r || r->body != big) break;
      ++received;
    }
  });
  EXPECT_EQ(received, kRequests);
  EXPECT_EQ(dispatched, kRequests);
}

TEST_F(HttpServerTest, HalfClosedClientStillGetsTheQueuedAnswer) {
  const std::string big(8 * 1024 * 1024, 'y');
  start({},
        [&](HttpRequest&&, HttpResponder responder) { responder.send(text_response(200, big)); });
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port(), /*receive_buffer=*/64 * 1024);
    c.send("GET / HTTP/1.1\r\n\r\n");
    c.shutdown_write();                  // like `nc -N`: done sending, still reading
    std::this_thread::sleep_for(100ms);  // the server sees EOF while most of the answer is queued
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), big.size());
  EXPECT_TRUE(closed);
}

TEST_F(HttpServerTest, ClientResetDuringALargeAnswerIsClosedQuietly) {
  const std::string big(16 * 1024 * 1024, 'z');
  start({}, [&](HttpRequest&& request, HttpResponder responder) {
    responder.send(text_response(200, request.path == "/big" ? big : "small"));
  });
  TestClient c(port(), /*receive_buffer=*/64 * 1024);
  ASSERT_TRUE(c.send("GET /big HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(run_until([&] { return server_->accepted_connections() == 1; }));
  run_for(50ms);  // the answer is written as far as the socket takes it
  c.reset();
  ASSERT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
  EXPECT_TRUE(logged("connection reset by peer"));
  std::optional<ClientResponse> next;
  with_client([&] {
    TestClient d(port());
    d.send("GET /small HTTP/1.1\r\n\r\n");
    next = d.read_response();
  });
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "small");
}

TEST_F(HttpServerTest, ChunkedRequestBodyIsDechunked) {
  start_echo();
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send("5\r\nhello\r\n");
    c.send("6;ext=1\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /c  hello world");
  ASSERT_EQ(requests_.size(), 1U);
  EXPECT_EQ(requests_[0].header("x-checksum"), "42");  // trailer
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  start_echo();
  std::optional<ClientResponse> interim, final_response;
  with_client([&] {
    TestClient c(port());
    c.send("PUT /x HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    interim = c.read_response();
    c.send("data");
    final_response = c.read_response();
  });
  ASSERT_TRUE(interim && final_response);
  EXPECT_EQ(interim->status, 100);
  EXPECT_EQ(final_response->status, 200);
  EXPECT_EQ(final_response->body, "PUT /x  data");
}

TEST_F(HttpServerTest, ClientGoneBeforeAsynchronousAnswer) {
  std::vector<HttpResponder> held;
  start({}, [&](HttpRequest&&, HttpResponder responder) { held.push_back(std::move(responder)); });
  TestClient c(port());
  ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
  ASSERT_TRUE(run_until([&] { return held.size() == 1; }));
  EXPECT_TRUE(held[0].connected());
  c.close();
  ASSERT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
  EXPECT_FALSE(held[0].connected());
  held[0].send(text_response(200, "too late"));  // a no-op
  held.clear();
  run_for(20ms);
}

TEST_F(HttpServerTest, DroppedResponderAnswers500AndTheConnectionStaysUsable) {
  start({}, [&](HttpRequest&& request, HttpResponder responder) {
    if (request.path == "/drop") return;  // responder destroyed unsent
    if (request.path == "/throw") throw std::runtime_error("boom");
    responder.send(text_response(200, "fine"));
  });
  std::optional<ClientResponse> dropped, thrown, fine;
  with_client([&] {
    TestClient c(port());
    c.send("GET /drop HTTP/1.1\r\n\r\n");
    dropped = c.read_response();
    c.send("GET /throw HTTP/1.1\r\n\r\n");
    thrown = c.read_response();
    c.send("GET /fine HTTP/1.1\r\n\r\n");
    fine = c.read_response();
  });
  ASSERT_TRUE(dropped && thrown && fine);
  EXPECT_EQ(dropped->status, 500);
  EXPECT_EQ(thrown->status, 500);
  EXPECT_EQ(fine->status, 200);
  EXPECT_EQ(server_->accepted_connections(), 1U);
  EXPECT_TRUE(logged("handler failed: boom"));
}

TEST_F(HttpServerTest, ResponderMoveAssignmentAnswersTheOverwrittenRequest) {
  start({}, [&](HttpRequest&&, HttpResponder responder) {
    HttpResponder other;
    responder = std::move(other);  // the request's responder is overwritten unsent
  });
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\n\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
}

TEST_F(HttpServerTest, HeadAnswersWithoutABody) {
  start({}, [&](HttpRequest&& request, HttpResponder responder) {
    responder.send(text_response(200, request.method == "HEAD" ? "eleven char" : "get"));
  });
  std::optional<ClientResponse> head, get;
  std::string unread;
  with_client([&] {
    TestClient c(port());
    c.send("HEAD / HTTP/1.1\r\n\r\n");
    head = c.read_response(/*head=*/true);
    unread = c.unread();
    c.send("GET / HTTP/1.1\r\n\r\n");
    get = c.read_response();
  });
  ASSERT_TRUE(head && get);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "11");
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(unread, "");  // no body bytes followed the head
  EXPECT_EQ(get->body, "get");
}

TEST_F(HttpServerTest, NoContentHasNeitherBodyNorLength) {
  start({}, [&](HttpRequest&&, HttpResponder responder) {
    responder.send(text_response(204, "ignored"));
  });
  std::optional<ClientResponse> r, next;
  with_client([&] {
    TestClient c(port());
    c.send("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
    r = c.read_response();
    c.send("GET / HTTP/1.1\r\n\r\n");
    next = c.read_response();
  });
  ASSERT_TRUE(r && next);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->has_header("content-length"));
  EXPECT_EQ(next->status, 204);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  start_echo();
  std::optional<ClientResponse> r;
  bool closed = false;
  with_client([&] {
    TestClient c(port());
    // The pipelined second request comes after "close": it is never served.
    c.send("GET /last HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
    r = c.read_response();
    closed = c.wait_closed_by_server();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "GET /last  ");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_, 1);
  ASSERT_EQ(requests_.size(), 1U);
  EXPECT_FALSE(requests_[0].keep_alive);
}

TEST_F(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  start_echo();
  std::optional<ClientResponse> plain, kept, again;
  bool plain_closed = false;
  with_client([&] {
    TestClient c(port());
    c.send("GET /old HTTP/1.0\r\n\r\n");
    plain = c.read_response();
    plain_closed = c.wait_closed_by_server();
    TestClient k(port());
    k.send("GET /k1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    kept = k.read_response();
    k.send("GET /k2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    again = k.read_response();
  });
  ASSERT_TRUE(plain && kept && again);
  EXPECT_EQ(plain->body, "GET /old  ");
  EXPECT_EQ(plain->header("connection"), "close");
  EXPECT_TRUE(plain_closed);
  EXPECT_EQ(kept->header("connection"), "keep-alive");
  EXPECT_EQ(again->body, "GET /k2  ");
  EXPECT_EQ(server_->accepted_connections(), 2U);
}

TEST_F(HttpServerTest, DateHeaderComesFromTheInjectedClock) {
  vigil::testing::FakeClock clock;  // 1'700'000'000 s after the epoch
  HttpServerOptions options;
  options.clock = &clock;
  start_echo(options);
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\n\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("date"), "Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST_F(HttpServerTest, HandlerHeadersCannotBreakFraming) {
  start({}, [&](HttpRequest&&, HttpResponder responder) {
    HttpResponse response = text_response(200, "body");
    response.headers.push_back({"Content-Length", "999"});
    response.headers.push_back({"X-Injected", "a\r\nSet-Cookie: evil=1"});
    response.headers.push_back({"X-Fine", "yes"});
    responder.send(std::move(response));
  });
  std::optional<ClientResponse> r;
  with_client([&] {
    TestClient c(port());
    c.send("GET / HTTP/1.1\r\n\r\n");
    r = c.read_response();
  });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("content-length"), "4");
  EXPECT_FALSE(r->has_header("x-injected"));
  EXPECT_FALSE(r->has_header("set-cookie"));
  EXPECT_EQ(r->header("x-fine"), "yes");
  EXPECT_EQ(r->body, "body");
}

TEST_F(HttpServerTest, CloseEndsConnectionsAndPendingResponders) {
  std::vector<HttpResponder> held;
  start({}, [&](HttpRequest&&, HttpResponder responder) { held.push_back(std::move(responder)); });
  TestClient busy(port());
  TestClient idle(port());
  ASSERT_TRUE(busy.send("GET / HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(run_until([&] { return held.size() == 1 && server_->open_connections() == 2; }));
  server_->close();
  EXPECT_EQ(server_->open_connections(), 0U);
  EXPECT_FALSE(held[0].connected());
  held[0].send(text_response(200, "after close"));
  bool busy_closed = false, idle_closed = false, refused = false;
  with_client([&] {
    busy_closed = busy.wait_closed_by_server();
    idle_closed = idle.wait_closed_by_server();
    TestClient late(port());
    refused = !late.connected();
  });
  EXPECT_TRUE(busy_closed);
  EXPECT_TRUE(idle_closed);
  EXPECT_TRUE(refused);
}

TEST_F(HttpServerTest, BindingAnAddressInUseFailsWithItsName) {
  start_echo();
  HttpServerOptions options;
  options.listen = fmt::format("127.0.0.1:{}", port());
  HttpServer second(
      &loop_, options, [](HttpRequest&&, HttpResponder) {}, *logger_);
  auto result = second.listen();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message, fmt::format("127.0.0.1:{}: address already in use", port()));
}

TEST_F(HttpServerTest, InvalidListenAddressIsReported) {
  HttpServerOptions options;
  options.listen = "127.0.0.1:70000";
  HttpServer server(
      &loop_, options, [](HttpRequest&&, HttpResponder) {}, *logger_);
  auto result = server.listen();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(
      result.error().message,
      R"(expected an address like "127.0.0.1:4318", got "127.0.0.1:70000": port out of range (0-65535))");
}

}  // namespace
}  // namespace vigil::net
