#pragma once

// A uv loop fixture and a blocking POSIX-socket HTTP/1.1 client for the HttpServer tests. The
// client runs on its own thread while the test thread runs the loop; every socket operation
// has a timeout, so a broken server fails a test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <http_parser.h>
#include <uv.h>

#include "agent/core/clock.h"
#include "agent/net/http_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"

namespace vigil::net::testing {

using namespace std::chrono_literals;

constexpr auto kSocketTimeout = 5s;

struct ClientResponse {
  int status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;
  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  bool has_header(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.name == name) return true;
    }
    return false;
  }
};

// One client connection. Not thread-safe; used by one thread at a time.
class TestClient {
 public:
  // `receive_buffer`: a fixed SO_RCVBUF (no autotuning), so tests know how much the kernel holds.
  explicit TestClient(std::uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval tv{static_cast<time_t>(kSocketTimeout.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // The listen backlog completes the handshake even while the loop is not running.
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  ~TestClient() { close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  bool send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response (a 100 Continue is a response of its own). Nullopt when the connection
  // ended or timed out first. `head`: the response answers a HEAD request (no body follows).
  std::optional<ClientResponse> read_response(bool head = false) {
    State state;
    state.head = head;
    http_parser parser;
    http_parser_init(&parser, HTTP_RESPONSE);
    parser.data = &state;
    auto deadline = std::chrono::steady_clock::now() + kSocketTimeout;
    while (true) {
      if (!buffer_.empty()) {
        std::size_t used =
            http_parser_execute(&parser, &settings(), buffer_.data(), buffer_.size());
        auto error = HTTP_PARSER_ERRNO(&parser);
        if (error != HPE_OK && error != HPE_PAUSED) {
          ADD_FAILURE() << "client: malformed response: " << http_errno_description(error)
                        << " in: " << buffer_;
          return std::nullopt;
        }
        buffer_.erase(0, used);
        if (state.complete) {
          ClientResponse r;
          r.status = static_cast<int>(parser.status_code);
          r.headers = std::move(state.headers);
          r.body = std::move(state.body);
          return r;
        }
      }
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      if (!receive()) return std::nullopt;
    }
  }

  // True when the server closes the connection (EOF or reset) within the timeout without
  // sending anything more (bytes that did arrive are left in `extra`).
  bool wait_closed_by_server(std::string* extra = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + kSocketTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == ECONNRESET) break;
        return false;  // timeout
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    bool clean = buffer_.empty();
    if (extra != nullptr) *extra = buffer_;
    return clean && std::chrono::steady_clock::now() < deadline;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  // Closes with a reset (SO_LINGER 0), as a crashed client's kernel would.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  const std::string& unread() const { return buffer_; }

 private:
  struct State {
    bool head = false;
    bool complete = false;
    bool last_was_value = false;
    HttpHeaders headers;
    std::string body;
  };

  bool receive() {
    char chunk[65536];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
  }

  static State& state_of(http_parser* p) { return *static_cast<State*>(p->data); }

  static const http_parser_settings& settings() {
    static const http_parser_settings kSettings = [] {
      http_parser_settings s;
      http_parser_settings_init(&s);
      s.on_header_field = [](http_parser* p, const char* at, std::size_t n) {
        auto& st = state_of(p);
        if (st.headers.empty() || st.last_was_value) st.headers.emplace_back();
        st.last_was_value = false;
        for (std::size_t i = 0; i < n; ++i) {
          st.headers.back().name.push_back(
              static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
        }
        return 0;
      };
      s.on_header_value = [](http_parser* p, const char* at, std::size_t n) {
        auto& st = state_of(p);
        st.headers.back().value.append(at, n);
        st.last_was_value = true;
        return 0;
      };
      s.on_headers_complete = [](http_parser* p) { return state_of(p).head ? 1 : 0; };
      s.on_body = [](http_parser* p, const char* at, std::size_t n) {
        state_of(p).body.append(at, n);
        return 0;
      };
      s.on_message_complete = [](http_parser* p) {
        state_of(p).complete = true;
        http_parser_pause(p, 1);  // one response per call; the rest stays buffered
        return 0;
      };
      return s;
    }();
    return kSettings;
  }

  int fd_ = -1;
  std::string buffer_;
};

// Owns a loop, a logger that keeps its lines, and the server under test.
class HttpServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // As vigil's main does: a write to a reset connection must be an EPIPE, not a signal.
    ::signal(SIGPIPE, SIG_IGN);
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    logger_ = std::make_unique<telemetry::Logger>(
        telemetry::Logger::Options{.level = telemetry::LogLevel::kDebug, .burst = 1000},
        system_clock_, [this](std::string_view line) {
          std::lock_guard lock(log_mutex_);
          log_.emplace_back(line);
        });
    // Wakes the loop so run_until notices what other threads did.
    ticker_ = std::make_unique<UvTimer>(&loop_);
    ticker_->start(
        2ms, [] {}, 2ms);
    ticker_->unref();
  }

  void TearDown() override {
    server_.reset();
    timers_.clear();
    ticker_.reset();
    for (int i = 0; i < 100 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open";
  }

  void start(HttpServerOptions options, HttpHandler handler) {
    server_ =
        std::make_unique<HttpServer>(&loop_, std::move(options), std::move(handler), *logger_);
    auto listening = server_->listen();
    ASSERT_TRUE(listening.has_value()) << listening.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  // Runs the loop until `done` holds; false after `timeout`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      // The ticker is unref'd: a loop without other handles returns at once; pace it.
      if (uv_run(&loop_, UV_RUN_ONCE) == 0) std::this_thread::sleep_for(1ms);
    }
    return true;
  }

  // Runs `client` on a thread while this thread runs the loop, until it returns.
  void with_client(const std::function<void()>& client) {
    std::atomic<bool> finished{false};
    std::thread thread([&] {
      client();
      finished = true;
    });
    bool done = run_until([&] { return finished.load(); }, 30s);
    thread.join();
    EXPECT_TRUE(done) << "client thread did not finish";
  }

  // Runs the loop for `d` (lets timers fire).
  void run_for(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    run_until([&] { return std::chrono::steady_clock::now() >= until; }, d + 1s);
  }

  // A one-shot timer owned by the fixture (for asynchronous handlers).
  void after(std::chrono::milliseconds delay, std::function<void()> callback) {
    timers_.push_back(std::make_unique<UvTimer>(&loop_));
    timers_.back()->start(delay, std::move(callback));
  }

  bool logged(std::string_view text) {
    std::lock_guard lock(log_mutex_);
    for (const auto& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::uint16_t port() const { return server_->port(); }

  // A server whose handler records the request and answers "METHOD PATH QUERY BODY" at once.
  void start_echo(HttpServerOptions options = {}) {
    start(std::move(options), [this](HttpRequest&& request, HttpResponder responder) {
      ++handled_;
      requests_.push_back(request);
      HttpResponse response;
      response.headers.push_back({"Content-Type", "text/plain"});
      response.body =
          request.method + " " + request.path + " " + request.query + " " + request.body;
      responder.send(std::move(response));
    });
  }

  uv_loop_t loop_{};
  core::SystemClock system_clock_;
  std::unique_ptr<telemetry::Logger> logger_;
  std::unique_ptr<UvTimer> ticker_;
  std::vector<std::unique_ptr<UvTimer>> timers_;
  std::unique_ptr<HttpServer> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  int handled_ = 0;  // by start_echo's handler
  std::vector<HttpRequest> requests_;
};

inline HttpResponse text_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain"});
  r.body = std::move(body);
  return r;
}

}  // namespace vigil::net::testing
