#include "collectors/otlp/otlp_collector.h"

#include <utility>

#include "agent/net/openssl_library.h"
#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"

namespace vigil::collectors::otlp {

OtlpCollector::OtlpCollector(app::CollectorSpec spec, std::shared_ptr<const OtlpConfig> config,
                             const app::ComponentContext& context)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      context_(context),
      auth_(config_->bearer_token) {}

OtlpCollector::~OtlpCollector() {
  processor_.reset();  // answers what still waits
  close_listeners();
}

core::Result<void> OtlpCollector::start() {
  if (running_) return {};
  close_listeners();
  http_.reset();
  grpc_.reset();
  processor_ = std::make_unique<RequestProcessor>(
      ProcessorOptions{spec_.identity.id, config_->resource_overwrite, config_->ack_timeout},
      *context_.router, *context_.scheduler, *context_.metrics, *context_.resource,
      context_.logger);
  processor_->offload_large_requests(
      [loop = context_.loop](std::function<void()> work, std::function<void()> done) {
        net::run_in_pool(loop, std::move(work), std::move(done));
      });
  if (!config_->http_listen.empty()) {
    http_ = std::make_unique<HttpReceiver>(
        context_.loop,
        HttpReceiverOptions{spec_.identity.id, config_->http_listen,
                            static_cast<std::size_t>(config_->max_request_size),
                            config_->retry_after, config_->signals},
        auth_, *processor_, *context_.metrics, *context_.logger);
    if (auto listening = http_->listen(); !listening) {
      release();
      return core::make_error(
          fmt::format("{}.http_listen: {}", config_->key_path, listening.error().message));
    }
    context_.logger->info(spec_.identity.id, "OTLP/HTTP on {}", config_->http_listen);
  }
  if (!config_->grpc_listen.empty()) {
    grpc_ = std::make_unique<GrpcReceiver>(
        context_.loop,
        GrpcReceiverOptions{spec_.identity.id, config_->grpc_listen,
                            static_cast<std::size_t>(config_->max_request_size),
                            config_->retry_after, config_->signals},
        auth_, *processor_, *context_.metrics, *context_.logger);
    if (auto listening = grpc_->listen(); !listening) {
      release();
      return core::make_error(
          fmt::format("{}.grpc_listen: {}", config_->key_path, listening.error().message));
    }
    context_.logger->info(spec_.identity.id, "OTLP/gRPC on {}", config_->grpc_listen);
  }
  running_ = true;
  return {};
}

void OtlpCollector::release() {
  close_listeners();
  http_.reset();
  grpc_.reset();
  processor_.reset();
}

void OtlpCollector::close_listeners() {
  if (http_) http_->close();
  if (grpc_) grpc_->close();
}

void OtlpCollector::stop(std::function<void()> done) {
  running_ = false;
  // Answer first: closing a server drops the answers its connections have not written yet.
  if (processor_) processor_->stop();
  close_listeners();
  if (done) done();
}

std::uint16_t OtlpCollector::http_port() const { return http_ ? http_->port() : 0; }
std::uint16_t OtlpCollector::grpc_port() const { return grpc_ ? grpc_->port() : 0; }

app::CollectorFactory otlp_collector_factory() {
  app::CollectorFactory factory;
  factory.kind = "otlp";
  factory.description = "receives spans, metrics and logs over OTLP/HTTP and OTLP/gRPC";
  factory.parse = [](config::ConfigReader& reader) -> std::shared_ptr<const app::ComponentConfig> {
    return parse_otlp_config(reader);
  };
  factory.create =
      [](const app::CollectorSpec& spec,
         const app::ComponentContext& context) -> core::Result<std::unique_ptr<app::Collector>> {
    if (context.loop == nullptr || context.router == nullptr || context.metrics == nullptr ||
        context.logger == nullptr || context.scheduler == nullptr || context.resource == nullptr) {
      return core::make_error(spec.identity.id +
                              ": needs a loop, a router, metrics, a logger, a scheduler and a "
                              "resource");
    }
    std::shared_ptr<const OtlpConfig> config = std::make_shared<OtlpConfig>();
    if (spec.config != nullptr) {
      config = std::dynamic_pointer_cast<const OtlpConfig>(spec.config);
      if (config == nullptr) return core::make_error(spec.identity.id + ": not an otlp config");
    }
    // Bearer tokens are compared as SHA-256 digests with libcrypto: a missing library stops the
    // start.
    if (!config->bearer_token.empty()) {
      if (auto ssl = net::load_openssl(); !ssl) {
        return core::make_error(spec.identity.id + ": " + ssl.error().message);
      }
    }
    return std::make_unique<OtlpCollector>(spec, std::move(config), context);
  };
  return factory;
}

}  // namespace vigil::collectors::otlp
