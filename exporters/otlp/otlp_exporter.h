#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/app/component.h"
#include "agent/core/batch.h"
#include "agent/core/export_pump.h"
#include "agent/net/http_client.h"
#include "agent/net/request_signer.h"
#include "exporters/otlp/otlp_exporter_config.h"
#include "exporters/otlp/progress_memory.h"
#include "exporters/otlp/request_encoding.h"

namespace vigil::telemetry {
class Counter;
}

namespace vigil::exporters::otlp_exporter {

// Sends batches to an OTLP backend over http/protobuf, http/json or gRPC (README.md). A batch
// becomes one request, or several when it exceeds max_request_size; they go out one after
// the other. The answers are classified by the OTLP rules (response_classify.h) and the
// batch's verdict goes to the export pump, which retries and counts.
class OtlpExporter final : public app::Exporter {
 public:
  OtlpExporter(std::string id, std::shared_ptr<const OtlpExporterConfig> config,
               const app::ComponentContext& context, std::unique_ptr<net::RequestSigner> signer);
  ~OtlpExporter() override;
  OtlpExporter(const OtlpExporter&) = delete;
  OtlpExporter& operator=(const OtlpExporter&) = delete;

  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;

  // One batch on its way (shared with pool work and HTTP callbacks).
  struct Send;

 private:
  struct Counters;
  // Encodes the batch's requests; any thread (the pool for large batches).
  static void prepare(Send& send, const EncodeOptions& options);
  // Starts sending what prepare() made, resuming where an earlier attempt stopped.
  void begin(const std::shared_ptr<Send>& send);
  void send_next(const std::shared_ptr<Send>& send);
  void transmit(const std::shared_ptr<Send>& send, net::HttpClientRequest request);
  void on_response(const std::shared_ptr<Send>& send, const net::HttpClientResponse& response);
  void complete(const std::shared_ptr<Send>& send, core::SendResult result);
  net::HttpClientRequest build_request(const Send& send) const;
  telemetry::Counter& requests_counter(const std::string& status);

  std::string id_;
  std::shared_ptr<const OtlpExporterConfig> config_;
  app::ComponentContext context_;
  std::unique_ptr<net::RequestSigner> signer_;
  std::string urls_[3];  // by core::Signal
  ProgressMemory progress_;
  std::unique_ptr<Counters> counters_;
  std::map<std::string, telemetry::Counter*> requests_by_status_;
  // Lets callbacks that arrive after destruction (HTTP, pool) do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The `otlp` kind (README.md).
app::ExporterFactory otlp_exporter_factory();

}  // namespace vigil::exporters::otlp_exporter
