#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/app/component.h"
#include "agent/core/batch.h"
#include "agent/core/export_pump.h"
#include "agent/net/http_client.h"
#include "agent/net/request_signer.h"
#include "exporters/prometheus/remote_write_config.h"

namespace vigil::telemetry {
class Counter;
}

namespace vigil::exporters::prometheus {

// Prometheus remote write 1.0 (README.md): each metrics batch is translated (one Translator
// per exporter, so deltas accumulate across batches), grouped into series, encoded as
// prometheus.WriteRequest bodies of at most max_samples_per_send samples, snappy-compressed
// (all of that on libuv's thread pool) and POSTed one after the other. Answers are classified
// by the spec (remote_write_response.h). A retried batch is not translated again: its encoded
// requests are kept and the retry resumes at the request that failed, so deltas are never
// counted twice and the receiver never gets a request it already took. Batches go out one at a
// time (the config refuses concurrency > 1): every series reaches the receiver in timestamp
// order.
class RemoteWriteExporter final : public app::Exporter {
 public:
  RemoteWriteExporter(std::string id, std::shared_ptr<const RemoteWriteConfig> config,
                      const app::ComponentContext& context,
                      std::unique_ptr<net::RequestSigner> signer = nullptr);
  ~RemoteWriteExporter() override;
  RemoteWriteExporter(const RemoteWriteExporter&) = delete;
  RemoteWriteExporter& operator=(const RemoteWriteExporter&) = delete;

  void send(const core::Batch& batch, std::function<void(core::SendResult)> done) override;

  // What one batch became, and how far its delivery got (shared with pool work).
  struct Prepared;
  // The translator and encoder, used by one batch's pool work at a time.
  struct Engine;

 private:
  struct Counters;
  void prepared(const std::shared_ptr<Prepared>& batch);
  void transmit(const std::shared_ptr<Prepared>& batch);
  void on_response(const std::shared_ptr<Prepared>& batch, const net::HttpClientResponse& response);
  void complete(const std::shared_ptr<Prepared>& batch, core::SendResult result);
  net::HttpClientRequest build_request(const Prepared& batch) const;
  telemetry::Counter& requests_counter(int status);

  std::string id_;
  std::shared_ptr<const RemoteWriteConfig> config_;
  app::ComponentContext context_;
  std::unique_ptr<net::RequestSigner> signer_;
  std::shared_ptr<Engine> engine_;
  std::unique_ptr<Counters> counters_;
  // The batch being delivered or awaiting its retry.
  std::shared_ptr<Prepared> current_;
  bool preparing_ = false;
  // Lets callbacks that arrive after destruction (HTTP, pool) do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The `prometheus_remote_write` kind (README.md).
app::ExporterFactory remote_write_exporter_factory();

}  // namespace vigil::exporters::prometheus
