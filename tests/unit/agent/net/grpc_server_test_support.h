#pragma once

// A uv loop fixture for the GrpcServer tests and a blocking HTTP/2 client (an nghttp2 client
// session over a POSIX socket). The client runs on its own thread while the test thread runs the
// loop; every socket wait has a timeout, so a broken server fails a test instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <uv.h>

#include "agent/core/clock.h"
#include "agent/net/grpc_server.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"

namespace vigil::net::testing {

using namespace std::chrono_literals;

constexpr auto kClientTimeout = 5s;

// A gRPC length-prefixed message as a client sends it.
inline std::string grpc_frame(std::string_view message, bool compressed = false) {
  std::string out(5, '\0');
  out[0] = compressed ? 1 : 0;
  const auto n = static_cast<std::uint32_t>(message.size());
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  out.append(message);
  return out;
}

// What the client saw of one stream.
struct H2Call {
  HttpHeaders headers;   // the response HEADERS (pseudo-headers included)
  std::string data;      // DATA payload
  HttpHeaders trailers;  // the trailing HEADERS
  bool closed = false;
  std::uint32_t error_code = 0;  // of the stream's close (RST_STREAM code), 0 = NO_ERROR
  int header_blocks = 0;

  std::string_view header(std::string_view name) const { return find_header(headers, name); }
  std::string_view trailer(std::string_view name) const { return find_header(trailers, name); }
  // grpc-status from the trailers, or from the headers of a Trailers-Only answer.
  std::string_view status() const {
    auto s = trailer("grpc-status");
    return s.empty() ? header("grpc-status") : s;
  }
};

struct H2Request {
  std::string path = "/test.Service/Method";
  std::string method = "POST";
  std::string content_type = "application/grpc";
  HttpHeaders metadata;
  std::string body;        // DATA bytes as sent (build them with grpc_frame)
  bool end_stream = true;  // false: the stream stays open after the body
};

// One HTTP/2 connection with prior knowledge. Used by one thread at a time.
class H2Client {
 public:
  // `assumed_peer_streams`: how many concurrent streams the client allows itself before the
  // server's SETTINGS arrive (nghttp2's default is 100).
  explicit H2Client(std::uint16_t port, std::uint32_t assumed_peer_streams = 100) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &H2Client::on_header);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &H2Client::on_begin_headers);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &H2Client::on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &H2Client::on_close);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &H2Client::on_frame);
    nghttp2_option* option = nullptr;
    nghttp2_option_new(&option);
    nghttp2_option_set_peer_max_concurrent_streams(option, assumed_peer_streams);
    nghttp2_session* session = nullptr;
    nghttp2_session_client_new2(&session, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    session_.reset(session);
    nghttp2_submit_settings(session_.get(), NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Client() { close(); }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool goaway() const { return goaway_; }
  std::uint32_t goaway_code() const { return goaway_code_; }
  bool eof() const { return eof_; }
  std::uint32_t max_concurrent_streams() const {
    return nghttp2_session_get_remote_settings(session_.get(),
                                               NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  }

  // Submits a call; returns its stream id (< 0 on failure). Sent by the next pump.
  std::int32_t start(H2Request request) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", request.method}, {":scheme", "http"}, {":path", request.path},
        {":authority", "127.0.0.1"}, {"te", "trailers"},  {"content-type", request.content_type}};
    for (auto& h : request.metadata) fields.emplace_back(h.name, h.value);
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : fields) {
      nva.push_back({reinterpret_cast<std::uint8_t*>(n.data()),
                     reinterpret_cast<std::uint8_t*>(v.data()), n.size(), v.size(),
                     NGHTTP2_NV_FLAG_NONE});
    }
    auto body = std::make_unique<Body>();
    body->bytes = std::move(request.body);
    body->end_stream = request.end_stream;
    nghttp2_data_provider provider{};
    provider.source.ptr = body.get();
    provider.read_callback = &H2Client::read_body;
    auto id =
        nghttp2_submit_request(session_.get(), nullptr, nva.data(), nva.size(), &provider, nullptr);
    if (id > 0) bodies_[id] = std::move(body);
    return id;
  }

  void reset(std::int32_t id, std::uint32_t code = NGHTTP2_CANCEL) {
    nghttp2_submit_rst_stream(session_.get(), NGHTTP2_FLAG_NONE, id, code);
  }

  // Pumps the connection until `done` holds; false on timeout, EOF or a session error.
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (fd_ < 0 || eof_ || std::chrono::steady_clock::now() > deadline) return false;
      if (!pump_once()) return done();
    }
    return true;
  }
  bool wait_closed(std::int32_t id, std::chrono::milliseconds timeout = 5s) {
    return pump_until([&] { return calls_[id].closed; }, timeout);
  }
  // Pumps until the server closes the connection (EOF or reset); false on timeout.
  bool wait_eof(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_ && std::chrono::steady_clock::now() < deadline) {
      if (!pump_once() && !eof_) return false;
    }
    return eof_;
  }

  H2Call& call(std::int32_t id) { return calls_[id]; }

  // Raw bytes after whatever the session wrote so far (the preface is sent by the first pump).
  bool send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Everything the session wants to send, without waiting for input.
  bool flush() {
    while (nghttp2_session_want_write(session_.get()) != 0) {
      const std::uint8_t* data = nullptr;
      auto n = nghttp2_session_mem_send(session_.get(), &data);
      if (n <= 0) return n == 0;
      if (!send_raw({reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)})) {
        return false;
      }
    }
    return true;
  }
  // Reads whatever arrives for up to `timeout` without interpreting it (for raw tests).
  std::string read_raw(std::chrono::milliseconds timeout = kClientTimeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  struct Body {
    std::string bytes;
    std::size_t offset = 0;
    bool end_stream = true;
  };
  struct SessionDeleter {
    void operator()(nghttp2_session* s) const { nghttp2_session_del(s); }
  };

  bool pump_once() {
    if (!flush()) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, 20);
    if (rc <= 0) return true;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    auto used = nghttp2_session_mem_recv(session_.get(), reinterpret_cast<std::uint8_t*>(buf),
                                         static_cast<std::size_t>(n));
    if (used < 0) return false;
    return flush();
  }

  static H2Client& self(void* p) { return *static_cast<H2Client*>(p); }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* body = static_cast<Body*>(source->ptr);
    std::size_t n = std::min(length, body->bytes.size() - body->offset);
    std::memcpy(buf, body->bytes.data() + body->offset, n);
    body->offset += n;
    if (body->offset == body->bytes.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!body->end_stream) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
    return static_cast<ssize_t>(n);
  }
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* p) {
    if (frame->hd.type == NGHTTP2_HEADERS) ++self(p).calls_[frame->hd.stream_id].header_blocks;
    return 0;
  }
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen,
                       std::uint8_t, void* p) {
    auto& call = self(p).calls_[frame->hd.stream_id];
    HttpHeader h{std::string(reinterpret_cast<const char*>(name), namelen),
                 std::string(reinterpret_cast<const char*>(value), valuelen)};
    (call.header_blocks > 1 ? call.trailers : call.headers).push_back(std::move(h));
    return 0;
  }
  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                     std::size_t len, void* p) {
    self(p).calls_[id].data.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int on_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* p) {
    auto& call = self(p).calls_[id];
    call.closed = true;
    call.error_code = code;
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* p) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self(p).goaway_ = true;
      self(p).goaway_code_ = frame->goaway.error_code;
    }
    return 0;
  }

  int fd_ = -1;
  std::unique_ptr<nghttp2_session, SessionDeleter> session_;
  std::map<std::int32_t, std::unique_ptr<Body>> bodies_;
  std::map<std::int32_t, H2Call> calls_;
  bool goaway_ = false;
  std::uint32_t goaway_code_ = 0;
  bool eof_ = false;
};

constexpr std::string_view kExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

inline H2Request call_with(std::string message, HttpHeaders metadata = {}) {
  H2Request request;
  request.path = std::string(kExport);
  request.body = grpc_frame(message);
  request.metadata = std::move(metadata);
  return request;
}

inline GrpcResponse ok_response(std::string body) {
  GrpcResponse response;
  response.body = std::move(body);
  return response;
}

// Owns a loop, a logger that keeps its lines, and the server under test.
class GrpcServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
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
    responders_.clear();
    server_.reset();
    timers_.clear();
    ticker_.reset();
    // Pool work (large decompressions) may still have to come back.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (uv_run(&loop_, UV_RUN_NOWAIT) != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open";
  }

  void start(GrpcServerOptions options, GrpcHandler handler) {
    server_ =
        std::make_unique<GrpcServer>(&loop_, std::move(options), std::move(handler), *logger_);
    auto listening = server_->listen();
    ASSERT_TRUE(listening.has_value()) << listening.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  // A server whose handler records the call and answers its message back (code 0).
  void start_echo(GrpcServerOptions options = {}) {
    start(std::move(options), [this](GrpcRequest&& request, GrpcResponder responder) {
      requests_.push_back(request);
      GrpcResponse response;
      response.body = request.message;
      responder.send(std::move(response));
    });
  }

  // A server whose handler keeps every responder in responders_ (answered by the test).
  void start_deferred(GrpcServerOptions options = {}) {
    start(std::move(options), [this](GrpcRequest&& request, GrpcResponder responder) {
      requests_.push_back(std::move(request));
      responders_.push_back(std::move(responder));
      ++deferred_count_;
    });
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
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

  void run_for(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    run_until([&] { return std::chrono::steady_clock::now() >= until; }, d + 1s);
  }

  bool logged(std::string_view text) {
    std::lock_guard lock(log_mutex_);
    for (const auto& line : log_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::uint16_t port() const { return server_->port(); }

  uv_loop_t loop_{};
  core::SystemClock system_clock_;
  std::unique_ptr<telemetry::Logger> logger_;
  std::unique_ptr<UvTimer> ticker_;
  std::vector<std::unique_ptr<UvTimer>> timers_;
  std::unique_ptr<GrpcServer> server_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  std::vector<GrpcRequest> requests_;      // loop thread only
  std::vector<GrpcResponder> responders_;  // loop thread only
  std::atomic<int> deferred_count_{0};     // readable from the client thread
};

}  // namespace vigil::net::testing
