// The GrpcServer's limits: message sizes (by the prefix and after decompression), the
// per-connection buffer cap, concurrent streams, timeouts and connections.
#include <sys/resource.h>
#include <zlib.h>

#include <gmock/gmock.h>

#include "agent/net/grpc_server.h"
#include "tests/unit/agent/net/grpc_server_test_support.h"

namespace vigil::net::testing {
namespace {

using ::testing::HasSubstr;
using GrpcServerLimitsTest = GrpcServerFixture;

TEST_F(GrpcServerLimitsTest, OversizedMessageIsRefusedByItsPrefixBeforeBuffering) {
  GrpcServerOptions options;
  options.max_message_bytes = 1024;
  start_echo(options);
  with_client([&] {
    H2Client client(port());
    H2Request request = call_with("");
    // The prefix announces 1025 bytes; only a few follow and the stream stays open: the
    // answer must come from the prefix alone.
    request.body = grpc_frame(std::string(1025, 'x')).substr(0, 20);
    request.end_stream = false;
    auto id = client.start(request);
    ASSERT_TRUE(client.wait_closed(id));
    auto& call = client.call(id);
    EXPECT_EQ(call.header("grpc-status"), "8");
    EXPECT_THAT(std::string(call.header("grpc-message")), HasSubstr("1025"));
    // The server told the client to stop sending (RST_STREAM NO_ERROR after the answer).
    EXPECT_EQ(call.error_code, NGHTTP2_NO_ERROR);
    // The connection still serves.
    auto next = client.start(call_with("small"));
    ASSERT_TRUE(client.wait_closed(next));
    EXPECT_EQ(client.call(next).data, grpc_frame("small"));
  });
}

TEST_F(GrpcServerLimitsTest, ConnectionBufferCapShedsTheNewestUnfinishedCalls) {
  GrpcServerOptions options;
  options.max_message_bytes = 100 * 1024;
  options.max_buffered_bytes = 250 * 1024;
  start_echo(options);
  with_client([&] {
    H2Client client(port());
    // Four calls each stuck 80 KiB into a 100 KiB message: 320 KiB would be buffered.
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 4; ++i) {
      H2Request request = call_with("");
      request.body = grpc_frame(std::string(100 * 1024, 'x')).substr(0, 80 * 1024);
      request.end_stream = false;
      ids.push_back(client.start(request));
    }
    ASSERT_TRUE(client.wait_closed(ids[3]));
    EXPECT_EQ(client.call(ids[3]).status(), "14");
    EXPECT_THAT(std::string(client.call(ids[3]).header("grpc-message")), HasSubstr("busy"));
    client.pump_until([] { return false; }, 100ms);
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(client.call(ids[i]).closed) << i;
    // The connection still serves new calls.
    auto done = client.start(call_with("after shedding"));
    ASSERT_TRUE(client.wait_closed(done));
    EXPECT_EQ(client.call(done).data, grpc_frame("after shedding"));
  });
}

// A gzip stream of `total` zero bytes, compressed in small pieces so the test itself stays small.
std::string gzip_zeros(std::size_t total) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string in(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  std::size_t left = total;
  int flush = Z_NO_FLUSH;
  do {
    std::size_t n = std::min(left, in.size());
    left -= n;
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = reinterpret_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_F(GrpcServerLimitsTest, CompressionBombIsResourceExhaustedWithBoundedMemory) {
  GrpcServerOptions options;
  options.max_message_bytes = 1 << 20;
  start_echo(options);
  const std::string bomb = gzip_zeros(std::size_t{1} << 30);  // 1 GiB inflated, ~1 MiB packed
  ASSERT_LT(bomb.size(), options.max_message_bytes);
  const long rss_before = max_rss_kib();
  with_client([&] {
    H2Client client(port());
    H2Request request = call_with("");
    request.body = grpc_frame(bomb, true);
    request.metadata = {{"grpc-encoding", "gzip"}};
    auto id = client.start(request);
    ASSERT_TRUE(client.wait_closed(id, 20s));
    EXPECT_EQ(client.call(id).status(), "8");
    EXPECT_THAT(std::string(client.call(id).header("grpc-message")), HasSubstr("1048576"));
  });
  EXPECT_TRUE(requests_.empty());
  EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024) << "memory grew with the bomb";
}

TEST_F(GrpcServerLimitsTest, StreamsBeyondTheLimitAreRefused) {
  GrpcServerOptions options;
  options.max_concurrent_streams = 2;
  start_deferred(options);
  with_client([&] {
    // A client that opens streams before it read the server's SETTINGS: the third is refused
    // (RST_STREAM REFUSED_STREAM, which gRPC clients retry), the first two are served.
    H2Client rude(port(), 1000);
    auto a = rude.start(call_with("a"));
    auto b = rude.start(call_with("b"));
    auto c = rude.start(call_with("c"));
    ASSERT_TRUE(rude.flush());
    ASSERT_TRUE(rude.wait_closed(c));
    EXPECT_EQ(rude.call(c).error_code, NGHTTP2_REFUSED_STREAM);
    EXPECT_TRUE(rude.pump_until([&] { return deferred_count_.load() == 2; }));
    EXPECT_FALSE(rude.call(a).closed);
    EXPECT_FALSE(rude.call(b).closed);
    EXPECT_EQ(rude.max_concurrent_streams(), 2u);
  });
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[0].message, "a");
  EXPECT_EQ(requests_[1].message, "b");
}

TEST_F(GrpcServerLimitsTest, IdleAndHandshakeTimeoutsCloseConnections) {
  GrpcServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  options.handshake_timeout = std::chrono::milliseconds(200);
  start_echo(options);
  with_client([&] {
    H2Client silent(port());  // never sends the preface
    silent.read_raw(3s);
    EXPECT_TRUE(silent.eof());
    H2Client idle(port());
    auto id = idle.start(call_with("x"));
    ASSERT_TRUE(idle.wait_closed(id));
    EXPECT_TRUE(idle.wait_eof(3s));
    EXPECT_TRUE(idle.goaway());
    EXPECT_EQ(idle.goaway_code(), NGHTTP2_NO_ERROR);
  });
  EXPECT_TRUE(run_until([&] { return server_->open_connections() == 0; }));
}

TEST_F(GrpcServerLimitsTest, IdleTimeoutWaitsForTheHandler) {
  GrpcServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  start_deferred(options);
  with_client([&] {
    H2Client client(port());
    auto id = client.start(call_with("x"));
    ASSERT_TRUE(client.pump_until([&] { return deferred_count_.load() == 1; }));
    client.pump_until([] { return false; }, 400ms);  // the handler takes its time
    EXPECT_FALSE(client.goaway());
    EXPECT_FALSE(client.call(id).closed);
  });
  EXPECT_EQ(responders_.size(), 1u);
}

TEST_F(GrpcServerLimitsTest, MaxConnections) {
  GrpcServerOptions options;
  options.max_connections = 1;
  start_echo(options);
  with_client([&] {
    H2Client first(port());
    auto id = first.start(call_with("first"));
    ASSERT_TRUE(first.wait_closed(id));
    H2Client second(port());
    second.read_raw(2s);
    EXPECT_TRUE(second.eof());
  });
  EXPECT_EQ(server_->rejected_connections(), 1u);
}

}  // namespace
}  // namespace vigil::net::testing
