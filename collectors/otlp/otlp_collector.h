#pragma once

#include <functional>
#include <memory>

#include "agent/app/component.h"
#include "collectors/otlp/bearer_auth.h"
#include "collectors/otlp/grpc_receiver.h"
#include "collectors/otlp/http_receiver.h"
#include "collectors/otlp/otlp_config.h"
#include "collectors/otlp/request_processor.h"

namespace vigil::collectors::otlp {

// The `otlp` collector: receives spans, metrics and logs from applications over OTLP/HTTP
// (protobuf and JSON) and OTLP/gRPC, and answers each request once its batch is safe
// (README.md in this folder).
class OtlpCollector final : public app::Collector {
 public:
  OtlpCollector(app::CollectorSpec spec, std::shared_ptr<const OtlpConfig> config,
                const app::ComponentContext& context);
  ~OtlpCollector() override;
  OtlpCollector(const OtlpCollector&) = delete;
  OtlpCollector& operator=(const OtlpCollector&) = delete;

  core::Result<void> start() override;
  // Closes the listeners, answers waiting requests 503 / UNAVAILABLE, then calls `done`.
  void stop(std::function<void()> done) override;

  // Bound ports (0 when that listener is off or not started); for tests with port 0.
  std::uint16_t http_port() const;
  std::uint16_t grpc_port() const;

 private:
  void close_listeners();
  // After a failed start: nothing listens, nothing is left half-built.
  void release();

  app::CollectorSpec spec_;
  std::shared_ptr<const OtlpConfig> config_;
  app::ComponentContext context_;
  BearerAuth auth_;
  std::unique_ptr<RequestProcessor> processor_;
  std::unique_ptr<HttpReceiver> http_;
  std::unique_ptr<GrpcReceiver> grpc_;
  bool running_ = false;
};

// Registered as `collectors.otlp` in agent/components.cpp.
app::CollectorFactory otlp_collector_factory();

}  // namespace vigil::collectors::otlp
