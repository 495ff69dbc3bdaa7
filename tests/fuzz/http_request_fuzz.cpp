// The HTTP/1 request path: arbitrary bytes from a client into the real HttpServer over
// loopback. Whatever arrives, the server must answer or close, and never crash or leak.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "agent/core/clock.h"
#include "agent/net/http_server.h"
#include "agent/telemetry/logger.h"

namespace {

using namespace vigil;

struct Harness {
  uv_loop_t loop{};
  core::SystemClock clock;
  telemetry::Logger logger{{.level = telemetry::LogLevel::kError}, clock, [](std::string_view) {}};
  std::unique_ptr<net::HttpServer> server;
  // Async answers: a request whose body starts with 'A' is answered on the next loop turn.
  std::optional<net::HttpResponder> deferred;

  Harness() {
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    net::HttpServerOptions options;
    options.listen = "127.0.0.1:0";
    options.max_header_bytes = 4096;
    options.max_body_bytes = 64 * 1024;
    options.header_timeout = std::chrono::milliseconds(500);
    options.body_timeout = std::chrono::milliseconds(500);
    options.idle_timeout = std::chrono::milliseconds(500);
    server = std::make_unique<net::HttpServer>(
        &loop, options,
        [this](net::HttpRequest&& request, net::HttpResponder responder) {
          if (deferred) deferred->send({200, {}, "late"});
          deferred.reset();
          net::HttpResponse response;
          response.body = request.method + " " + request.path + " " +
                          std::to_string(request.body.size()) + " " +
                          std::string(request.header("content-type"));
          if (!request.body.empty() && request.body[0] == 'A') {
            deferred = std::move(responder);
          } else {
            responder.send(std::move(response));
          }
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
  std::size_t sent = 0;
  bool eof = false;
  bool shut = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  char buf[65536];
  while (!eof && std::chrono::steady_clock::now() < deadline) {
    uv_run(&h.loop, UV_RUN_NOWAIT);
    if (sent < size) {
      ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    } else if (!shut) {
      ::shutdown(fd, SHUT_WR);  // the client is done: the server must answer or close
      shut = true;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)) {
      eof = true;
    }
    if (h.deferred && h.deferred->connected()) {
      h.deferred->send({202, {}, "async"});
      h.deferred.reset();
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 1);
  }
  ::close(fd);
  h.deferred.reset();
  for (int i = 0; i < 4; ++i) uv_run(&h.loop, UV_RUN_NOWAIT);
  return 0;
}
