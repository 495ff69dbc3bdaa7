#include "agent/net/http_client.h"

#include <cstdint>
#include <deque>
#include <exception>
#include <unordered_map>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "agent/net/curl_handles.h"
#include "agent/net/curl_transfer.h"
#include "agent/net/thread_pool.h"
#include "agent/net/uv_handle.h"
#include "agent/net/uv_timer.h"
#include "agent/telemetry/logger.h"
#include "vigil/version.h"

namespace vigil::net {

namespace {

constexpr std::string_view kComponent = "net/http_client";
constexpr std::string_view kCancelled = "cancelled";
// Below this, compressing inline costs less than the hop to the thread pool (gzip does about
// 64 KiB per millisecond, DESIGN.md's threshold for the pool).
constexpr std::size_t kPoolCompressBytes = 64 * 1024;

using Done = std::function<void(HttpClientResponse)>;

HttpClientResponse failure(std::string error) {
  HttpClientResponse response;
  response.error = std::move(error);
  return response;
}

// Runs a caller's callback; an exception must not unwind into libuv.
void complete(telemetry::Logger& logger, Done& done, HttpClientResponse response) {
  if (!done) return;
  try {
    done(std::move(response));
  } catch (const std::exception& e) {
    logger.error(kComponent, "request callback threw: {}", e.what());
  } catch (...) {
    logger.error(kComponent, "request callback threw a non-standard exception");
  }
}

}  // namespace

struct HttpClient::Impl {
  // The uv_poll_t watching one of libcurl's sockets. libcurl tells us (CURL_POLL_REMOVE) before
  // it closes a socket, and we close the watcher right then: a later socket that reuses the fd
  // number gets a fresh watcher, never this one.
  struct SocketWatch {
    Impl* owner = nullptr;
    curl_socket_t fd = CURL_SOCKET_BAD;
    UvHandle<uv_poll_t> poll;
  };

  struct Active {
    std::unique_ptr<CurlTransfer> transfer;
    Done done;
  };

  struct Deferred {
    Done done;
    HttpClientResponse response;
  };

  // Shared with a pool job: the worker thread touches only this, never the client.
  struct CompressJob {
    HttpClientRequest request;
    core::Result<std::string> compressed = std::string();
  };

  Impl(uv_loop_t* loop, telemetry::Logger& logger);
  ~Impl();

  // Loads libcurl and creates the multi handle on first use (agent/net/curl_library.h says
  // why); false, with unavailable_ set, when that failed.
  bool ensure_curl();
  void send(HttpClientRequest request, Done done);
  void start(HttpClientRequest request, Done done);
  void compress_in_pool(HttpClientRequest request, Done done);
  void defer(Done done, HttpClientResponse response);
  void run_deferred();
  void cancel_all();
  void socket_action(curl_socket_t fd, int flags);
  void check_multi_info();
  int watch_socket(curl_socket_t fd, int what, SocketWatch* watch);

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* userp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* userp);
  static void on_poll(uv_poll_t* handle, int status, int events);

  uv_loop_t* loop_;
  telemetry::Logger& logger_;
  std::string user_agent_ = std::string("vigil/") + kVersion;
  std::shared_ptr<const CurlLibrary> curl_;  // loaded by the first send()
  CurlMultiPtr multi_;
  std::string unavailable_;  // why the client cannot send, when libcurl failed to start
  UvTimer curl_timer_;       // libcurl's single timeout (CURLMOPT_TIMERFUNCTION)
  UvTimer deferred_timer_;   // completes early failures on a later loop turn, never in send()
  std::unordered_map<curl_socket_t, std::unique_ptr<SocketWatch>> sockets_;
  std::unordered_map<CURL*, Active> transfers_;
  std::unordered_map<std::uint64_t, Done> compressing_;
  std::uint64_t next_job_ = 1;
  std::deque<Deferred> deferred_;
  bool shutting_down_ = false;
  // Expires with the client: code that ran a caller's callback checks it before touching `this`
  // again, since the callback may have destroyed the client.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

HttpClient::Impl::Impl(uv_loop_t* loop, telemetry::Logger& logger)
    : loop_(loop), logger_(logger), curl_timer_(loop), deferred_timer_(loop) {}

bool HttpClient::Impl::ensure_curl() {
  if (multi_) return true;
  if (!unavailable_.empty()) return false;
  auto loaded = CurlLibrary::load();
  if (!loaded) {
    unavailable_ = loaded.error().message;
  } else {
    curl_ = std::move(*loaded);
    multi_ = CurlMultiPtr(curl_->multi_init(), CurlMultiCleanup{curl_.get()});
    if (!multi_) unavailable_ = "libcurl could not create a multi handle";
  }
  if (multi_) {
    CURLMcode rc = curl_->multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    if (rc == CURLM_OK) rc = curl_->multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, this);
    if (rc == CURLM_OK) {
      rc = curl_->multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    }
    if (rc == CURLM_OK) rc = curl_->multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, this);
    if (rc != CURLM_OK) {
      unavailable_ =
          std::string("libcurl refused the loop callbacks: ") + curl_->multi_strerror(rc);
      multi_.reset();
    }
  }
  if (!unavailable_.empty()) logger_.error(kComponent, "{}", unavailable_);
  return static_cast<bool>(multi_);
}

HttpClient::Impl::~Impl() {
  shutting_down_ = true;
  cancel_all();
  // curl_multi_cleanup closes pooled connections and reports them through on_socket and
  // on_timer, so it runs while the watchers and the timer still exist.
  multi_.reset();
  sockets_.clear();
}

void HttpClient::Impl::send(HttpClientRequest request, Done done) {
  if (shutting_down_) {
    complete(logger_, done, failure(std::string(kCancelled)));
    return;
  }
  if (!ensure_curl()) {
    defer(std::move(done), failure(unavailable_));
    return;
  }
  if (request.compression != Codec::kNone) {
    if (request.body.size() >= kPoolCompressBytes) {
      compress_in_pool(std::move(request), std::move(done));
      return;
    }
    auto compressed = compress(request.compression, request.body);
    if (!compressed) {
      defer(std::move(done), failure("compressing the body: " + compressed.error().message));
      return;
    }
    request.body = std::move(*compressed);
  }
  start(std::move(request), std::move(done));
}

void HttpClient::Impl::compress_in_pool(HttpClientRequest request, Done done) {
  std::uint64_t id = next_job_++;
  compressing_.emplace(id, std::move(done));
  auto job = std::make_shared<CompressJob>();
  job->request = std::move(request);
  run_in_pool(
      loop_,
      [job] {
        try {
          job->compressed = compress(job->request.compression, job->request.body);
        } catch (const std::exception& e) {
          job->compressed = core::make_error(e.what());
        }
      },
      [this, id, job, guard = std::weak_ptr<bool>(alive_)] {
        if (guard.expired()) return;  // the client went away and cancelled the request
        auto it = compressing_.find(id);
        if (it == compressing_.end()) return;  // cancel_all() completed it already
        Done done = std::move(it->second);
        compressing_.erase(it);
        if (!job->compressed) {
          defer(std::move(done),
                failure("compressing the body: " + job->compressed.error().message));
          return;
        }
        job->request.body = std::move(*job->compressed);
        try {  // this runs as a libuv callback
          start(std::move(job->request), std::move(done));
        } catch (const std::exception& e) {
          logger_.error(kComponent, "starting a transfer: {}", e.what());
        }
      });
}

void HttpClient::Impl::start(HttpClientRequest request, Done done) {
  auto transfer = CurlTransfer::create(*curl_, std::move(request), user_agent_);
  if (!transfer) {
    defer(std::move(done), failure(transfer.error().message));
    return;
  }
  CURL* easy = (*transfer)->easy();
  transfers_.emplace(easy, Active{std::move(*transfer), std::move(done)});
  // Adding arms libcurl's timer through on_timer; the transfer starts from the loop.
  CURLMcode rc = curl_->multi_add_handle(multi_.get(), easy);
  if (rc != CURLM_OK) {
    auto node = transfers_.extract(easy);
    defer(
        std::move(node.mapped().done),
        failure(std::string("libcurl could not start the transfer: ") + curl_->multi_strerror(rc)));
  }
}

void HttpClient::Impl::defer(Done done, HttpClientResponse response) {
  deferred_.push_back(Deferred{std::move(done), std::move(response)});
  if (!deferred_timer_.active()) {
    deferred_timer_.start(core::Duration::zero(), [this] { run_deferred(); });
  }
}

void HttpClient::Impl::run_deferred() {
  std::deque<Deferred> ready;
  ready.swap(deferred_);
  telemetry::Logger& logger = logger_;
  // Each entry has left the client, so the rest complete even if a callback destroys it.
  for (Deferred& d : ready) complete(logger, d.done, std::move(d.response));
}

void HttpClient::Impl::cancel_all() {
  std::vector<Done> cancelled;
  cancelled.reserve(transfers_.size() + compressing_.size() + deferred_.size());
  for (auto& [easy, active] : transfers_) {
    CURLMcode rc = curl_->multi_remove_handle(multi_.get(), easy);
    if (rc != CURLM_OK) {
      logger_.warn(kComponent, "removing a cancelled transfer: {}", curl_->multi_strerror(rc));
    }
    cancelled.push_back(std::move(active.done));
  }
  transfers_.clear();  // curl_easy_cleanup, now that libcurl no longer drives them
  for (auto& [id, done] : compressing_) cancelled.push_back(std::move(done));
  compressing_.clear();
  for (Deferred& d : deferred_) cancelled.push_back(std::move(d.done));
  deferred_.clear();
  deferred_timer_.stop();

  // From here on `this` is not touched: a callback may destroy the client.
  telemetry::Logger& logger = logger_;
  for (Done& done : cancelled) complete(logger, done, failure(std::string(kCancelled)));
}

void HttpClient::Impl::socket_action(curl_socket_t fd, int flags) {
  // Runs from libuv callbacks, which an exception (only std::bad_alloc here) must not cross.
  try {
    int running = 0;
    CURLMcode rc = curl_->multi_socket_action(multi_.get(), fd, flags, &running);
    if (rc != CURLM_OK) {
      logger_.warn(kComponent, "curl_multi_socket_action: {}", curl_->multi_strerror(rc));
    }
    check_multi_info();
  } catch (const std::exception& e) {
    logger_.error(kComponent, "driving transfers: {}", e.what());
  }
}

void HttpClient::Impl::check_multi_info() {
  std::weak_ptr<bool> guard = alive_;
  int queued = 0;
  while (CURLMsg* msg = curl_->multi_info_read(multi_.get(), &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    // The message dies with curl_multi_remove_handle: copy what we need first.
    CURL* easy = msg->easy_handle;
    CURLcode result = msg->data.result;
    auto node = transfers_.extract(easy);
    if (node.empty()) continue;
    Active& active = node.mapped();
    HttpClientResponse response = active.transfer->finish(result);
    CURLMcode rc = curl_->multi_remove_handle(multi_.get(), easy);
    if (rc != CURLM_OK) {
      logger_.warn(kComponent, "removing a finished transfer: {}", curl_->multi_strerror(rc));
    }
    active.transfer.reset();
    // Called after the handle left the multi handle, so the callback may send again at once.
    complete(logger_, active.done, std::move(response));
    if (guard.expired()) return;
  }
}

int HttpClient::Impl::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* userp,
                                void* socketp) {
  auto* self = static_cast<Impl*>(userp);
  try {
    return self->watch_socket(fd, what, static_cast<SocketWatch*>(socketp));
  } catch (const std::exception& e) {
    self->logger_.error(kComponent, "watching a socket: {}", e.what());
    return -1;  // libcurl fails the transfer
  }
}

int HttpClient::Impl::watch_socket(curl_socket_t fd, int what, SocketWatch* watch) {
  if (what == CURL_POLL_REMOVE) {
    // Stop watching before libcurl closes the fd: polling a closed fd would confuse epoll.
    if (curl_->multi_assign(multi_.get(), fd, nullptr) != CURLM_OK) {
      logger_.warn(kComponent, "curl_multi_assign failed for fd {}", fd);
    }
    sockets_.erase(fd);
    return 0;
  }
  if (watch == nullptr) {
    // A stale watcher under this fd number (should libcurl ever skip a REMOVE) must go first:
    // libuv forbids two poll handles on one fd.
    sockets_.erase(fd);
    auto fresh = std::make_unique<SocketWatch>();
    fresh->owner = this;
    fresh->fd = fd;
    int rc = uv_poll_init_socket(loop_, fresh->poll.get(), fd);
    if (rc != 0) {
      logger_.error(kComponent, "uv_poll_init_socket({}): {}", fd, uv_strerror(rc));
      return -1;
    }
    fresh->poll.mark_initialized();
    fresh->poll.get()->data = fresh.get();
    watch = fresh.get();
    sockets_.emplace(fd, std::move(fresh));
    if (curl_->multi_assign(multi_.get(), fd, watch) != CURLM_OK) {
      logger_.warn(kComponent, "curl_multi_assign failed for fd {}", fd);
    }
  }
  int events = 0;
  if ((what & CURL_POLL_IN) != 0) events |= UV_READABLE;
  if ((what & CURL_POLL_OUT) != 0) events |= UV_WRITABLE;
  int rc = uv_poll_start(watch->poll.get(), events, &Impl::on_poll);
  if (rc != 0) {
    logger_.error(kComponent, "uv_poll_start({}): {}", fd, uv_strerror(rc));
    return -1;
  }
  return 0;
}

void HttpClient::Impl::on_poll(uv_poll_t* handle, int status, int events) {
  auto* watch = static_cast<SocketWatch*>(handle->data);
  if (watch == nullptr) return;  // closing
  // socket_action may remove (and free) this watcher: keep what we need on the stack.
  Impl* self = watch->owner;
  curl_socket_t fd = watch->fd;
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if ((events & UV_READABLE) != 0) flags |= CURL_CSELECT_IN;
    if ((events & UV_WRITABLE) != 0) flags |= CURL_CSELECT_OUT;
  }
  self->socket_action(fd, flags);
}

int HttpClient::Impl::on_timer(CURLM* /*multi*/, long timeout_ms, void* userp) {
  auto* self = static_cast<Impl*>(userp);
  if (timeout_ms < 0) {
    self->curl_timer_.stop();
    return 0;
  }
  try {
    // Even a zero timeout waits for the loop: libcurl forbids calling socket_action from here.
    self->curl_timer_.start(std::chrono::milliseconds(timeout_ms),
                            [self] { self->socket_action(CURL_SOCKET_TIMEOUT, 0); });
  } catch (const std::exception& e) {
    self->logger_.error(kComponent, "arming the libcurl timer: {}", e.what());
    return -1;
  }
  return 0;
}

HttpClient::HttpClient(uv_loop_t* loop, telemetry::Logger& logger)
    : impl_(std::make_unique<Impl>(loop, logger)) {}

HttpClient::~HttpClient() = default;

void HttpClient::send(HttpClientRequest request, std::function<void(HttpClientResponse)> done) {
  impl_->send(std::move(request), std::move(done));
}

std::size_t HttpClient::in_flight() const {
  return impl_->transfers_.size() + impl_->compressing_.size() + impl_->deferred_.size();
}

void HttpClient::cancel_all() { impl_->cancel_all(); }

}  // namespace vigil::net
