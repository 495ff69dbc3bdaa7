#include "agent/net/grpc_server.h"

#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/net/grpc_connection.h"
#include "agent/net/socket_address.h"
#include "agent/net/uv_handle.h"
#include "agent/telemetry/logger.h"

namespace vigil::net {

namespace {

constexpr int kListenBacklog = 511;  // what Node.js and nginx use; the kernel caps it at somaxconn
constexpr std::size_t kReadBufferBytes = 64 * 1024;

}  // namespace

// ---- GrpcResponder -----------------------------------------------------------------------------

GrpcResponder::GrpcResponder(std::weak_ptr<GrpcConnection> connection, std::int32_t stream_id)
    : connection_(std::move(connection)), stream_id_(stream_id) {}

GrpcResponder& GrpcResponder::operator=(GrpcResponder&& other) noexcept {
  if (this != &other) {
    answer_unsent();
    connection_ = std::move(other.connection_);
    stream_id_ = other.stream_id_;
    sent_ = std::exchange(other.sent_, true);
  }
  return *this;
}

GrpcResponder::~GrpcResponder() { answer_unsent(); }

void GrpcResponder::send(GrpcResponse response) {
  if (sent_) return;
  sent_ = true;
  auto connection = std::exchange(connection_, {}).lock();
  if (!connection) return;  // the client is gone
  try {
    connection->respond(stream_id_, std::move(response));
  } catch (const std::exception&) {
    connection->close();  // out of memory while answering: the client gets a closed connection
  }
}

bool GrpcResponder::connected() const {
  if (sent_) return false;
  auto connection = connection_.lock();
  return connection && connection->awaiting_response(stream_id_);
}

void GrpcResponder::answer_unsent() noexcept {
  if (sent_ || connection_.expired()) return;
  try {
    GrpcResponse response;
    response.code = kGrpcInternal;
    response.message = "no response";
    send(std::move(response));
  } catch (...) {
    // send() handles its own failures; nothing may leave a destructor.
  }
}

// ---- GrpcServer --------------------------------------------------------------------------------

struct GrpcServer::Impl final : GrpcConnectionOwner {
  Impl(uv_loop_t* loop, GrpcServerOptions options, GrpcHandler handler, telemetry::Logger& logger)
      : loop_(loop),
        options_(std::move(options)),
        handler_(std::move(handler)),
        logger_(logger),
        read_buffer_(std::make_unique_for_overwrite<char[]>(kReadBufferBytes)) {}

  const GrpcServerOptions& options() const override { return options_; }
  telemetry::Logger& logger() override { return logger_; }
  uv_buf_t read_buffer() override {
    return uv_buf_init(read_buffer_.get(), static_cast<unsigned>(kReadBufferBytes));
  }

  void dispatch(GrpcRequest&& request, GrpcResponder responder) override {
    // A throwing handler drops its responder on the way out: the client gets INTERNAL.
    try {
      handler_(std::move(request), std::move(responder));
    } catch (const std::exception& e) {
      logger_.error(options_.name, "handler failed: {}", e.what());
    } catch (...) {
      logger_.error(options_.name, "handler failed with a non-standard exception");
    }
  }

  void connection_closed(GrpcConnection* connection) override { connections_.erase(connection); }

  core::Result<void> listen() {
    if (listener_.initialized()) return core::make_error(options_.listen + ": already listening");
    auto address = parse_listen_address(options_.listen);
    if (!address) return std::unexpected(address.error());
    auto fail = [&](int rc) {
      return core::make_error(address->to_string() + ": " + uv_strerror(rc));
    };
    UvHandle<uv_tcp_t> tcp;
    if (int rc = uv_tcp_init(loop_, tcp.get()); rc != 0) return fail(rc);
    tcp.mark_initialized();
    // libuv sets SO_REUSEADDR, so a restart binds while old connections sit in TIME_WAIT.
    if (int rc = uv_tcp_bind(tcp.get(), address->addr(), 0); rc != 0) return fail(rc);
    tcp.get()->data = this;
    // A bind error (address in use) surfaces here: libuv defers it to listen().
    if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp.get()), kListenBacklog,
                           &Impl::on_connection);
        rc != 0) {
      return fail(rc);
    }
    sockaddr_storage bound{};
    int length = sizeof bound;
    if (int rc = uv_tcp_getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&bound), &length);
        rc != 0) {
      return fail(rc);
    }
    const auto* bound_addr = reinterpret_cast<const sockaddr*>(&bound);
    port_ = ntohs(bound_addr->sa_family == AF_INET6
                      ? reinterpret_cast<const sockaddr_in6*>(bound_addr)->sin6_port
                      : reinterpret_cast<const sockaddr_in*>(bound_addr)->sin_port);
    listener_ = std::move(tcp);
    logger_.info(options_.name, "listening on {} (gRPC, h2c)", format_socket_address(bound_addr));
    return {};
  }

  void close() {
    listener_.close();
    // A connection leaving removes itself from connections_: shut down from a moved-out set.
    auto connections = std::exchange(connections_, {});
    for (auto& [raw, connection] : connections) connection->shut_down();
  }

  static void on_connection(uv_stream_t* listener, int status) {
    auto* self = static_cast<Impl*>(listener->data);
    if (self == nullptr) return;
    try {
      self->accept(listener, status);
    } catch (const std::exception& e) {
      self->logger_.error(self->options_.name, "accepting a connection: {}", e.what());
    }
  }

  void accept(uv_stream_t* listener, int status) {
    if (status != 0) {
      logger_.warn(options_.name, "accept: {}", uv_strerror(status));
      return;
    }
    UvHandle<uv_tcp_t> tcp;
    if (int rc = uv_tcp_init(loop_, tcp.get()); rc != 0) {
      logger_.warn(options_.name, "accept: {}", uv_strerror(rc));
      return;
    }
    tcp.mark_initialized();
    if (int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(tcp.get())); rc != 0) {
      logger_.warn(options_.name, "accept: {}", uv_strerror(rc));
      return;
    }
    if (connections_.size() >= options_.max_connections) {
      // Accepted only to be closed (tcp's destructor): left in the backlog, the client would
      // hang until its own timeout instead of learning at once that it should retry.
      ++rejected_;
      logger_.warn(options_.name, "{} connections open (max_connections): closing a new one",
                   connections_.size());
      return;
    }
    ++accepted_;
    auto connection = std::make_shared<GrpcConnection>(loop_, *this);
    connections_.emplace(connection.get(), connection);
    connection->start(std::move(tcp));
  }

  uv_loop_t* loop_;
  GrpcServerOptions options_;
  GrpcHandler handler_;
  telemetry::Logger& logger_;
  // Left uninitialised: pages a small request never reaches are never touched (idle RSS).
  std::unique_ptr<char[]> read_buffer_;
  UvHandle<uv_tcp_t> listener_;
  std::uint16_t port_ = 0;
  std::unordered_map<GrpcConnection*, std::shared_ptr<GrpcConnection>> connections_;
  std::uint64_t accepted_ = 0;
  std::uint64_t rejected_ = 0;
};

GrpcServer::GrpcServer(uv_loop_t* loop, GrpcServerOptions options, GrpcHandler handler,
                       telemetry::Logger& logger)
    : impl_(std::make_unique<Impl>(loop, std::move(options), std::move(handler), logger)) {}

GrpcServer::~GrpcServer() { impl_->close(); }

core::Result<void> GrpcServer::listen() { return impl_->listen(); }
std::uint16_t GrpcServer::port() const { return impl_->port_; }
void GrpcServer::close() { impl_->close(); }
std::size_t GrpcServer::open_connections() const { return impl_->connections_.size(); }
std::uint64_t GrpcServer::accepted_connections() const { return impl_->accepted_; }
std::uint64_t GrpcServer::rejected_connections() const { return impl_->rejected_; }

}  // namespace vigil::net
