// The HTTP/2 + gRPC framing path: arbitrary bytes after the client connection preface, over
// loopback into the real GrpcServer (nghttp2 session, streams, message framing, decompression,
// answers). Whatever arrives, the server must answer or close, and never crash or leak.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/core/clock.h"
#include "agent/net/grpc_server.h"
#include "agent/telemetry/logger.h"

namespace {

using namespace vigil;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct Harness {
  uv_loop_t loop{};
  core::SystemClock clock;
  telemetry::Logger logger{{.level = telemetry::LogLevel::kError}, clock, [](std::string_view) {}};
  std::unique_ptr<net::GrpcServer> server;
  // Async answers: a message starting with 'A' is answered after the input was sent, one
  // starting with 'D' is never answered (its responder is dropped: INTERNAL), one starting with
  // 'E' gets an error with details and trailers.
  std::vector<net::GrpcResponder> deferred;

  Harness() {
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    net::GrpcServerOptions options;
    options.listen = "127.0.0.1:0";
    options.max_message_bytes = 64 * 1024;
    options.max_buffered_bytes = 256 * 1024;
    options.max_concurrent_streams = 16;
    options.idle_timeout = std::chrono::milliseconds(500);
    options.handshake_timeout = std::chrono::milliseconds(500);
    server = std::make_unique<net::GrpcServer>(
        &loop, options,
        [this](net::GrpcRequest&& request, net::GrpcResponder responder) {
          net::GrpcResponse response;
          if (!request.message.empty() && request.message[0] == 'A') {
            deferred.push_back(std::move(responder));
            return;
          }
          if (!request.message.empty() && request.message[0] == 'D') return;
          if (!request.message.empty() && request.message[0] == 'E') {
            response.code = net::kGrpcUnavailable;
            response.message = request.message.substr(0, 64);
            response.status_details = request.message;
            response.trailers.push_back({"x-" + request.path.substr(0, 16), request.message});
          } else {
            response.body = request.path + " " + request.message;
          }
          responder.send(std::move(response));
        },
        logger);
    if (!server->listen()) abort();
  }
};

Harness& harness() {
  static Harness h;  // one server for the whole run: per-input set-up would dominate
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& h = harness();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(h.server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  std::vector<std::uint8_t> input(kPreface.begin(), kPreface.end());
  input.insert(input.end(), data, data + size);
  std::size_t sent = 0;
  bool eof = false;
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  auto quiet_since = std::chrono::steady_clock::now();
  char buf[65536];
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    uv_run(&h.loop, UV_RUN_NOWAIT);
    if (sent < input.size()) {
      ssize_t n = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
      quiet_since = std::chrono::steady_clock::now();
    } else if (!answered) {
      for (auto& responder : h.deferred) {
        net::GrpcResponse response;
        response.body = "late";
        responder.send(std::move(response));
      }
      h.deferred.clear();
      answered = true;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) quiet_since = std::chrono::steady_clock::now();
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)) {
      eof = true;
    }
    // An HTTP/2 client keeps its connection open: once everything was sent and the server has
    // been quiet for a moment, the exchange is over.
    if (answered &&
        std::chrono::steady_clock::now() - quiet_since > std::chrono::milliseconds(20)) {
      break;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 1);
  }
  ::close(fd);
  h.deferred.clear();
  for (int i = 0; i < 4; ++i) uv_run(&h.loop, UV_RUN_NOWAIT);
  return 0;
}
