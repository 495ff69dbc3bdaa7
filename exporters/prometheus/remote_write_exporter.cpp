#include "exporters/prometheus/remote_write_exporter.h"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "agent/net/compression.h"
#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "exporters/prometheus/remote_write_encoder.h"
#include "exporters/prometheus/remote_write_response.h"

namespace vigil::exporters::prometheus {

namespace {

// A batch is recognised by its bytes when the pump hands it over again for a retry.
struct BatchKey {
  std::size_t size = 0;
  std::size_t hash = 0;
  bool operator==(const BatchKey&) const = default;
};

BatchKey key_of(const core::Batch& batch) {
  return {batch.payload.size(), std::hash<std::string_view>{}(batch.payload)};
}

TranslationOptions translation_options(const RemoteWriteConfig& config) {
  TranslationOptions options;
  options.node_exporter_names = config.node_exporter_names;
  options.extra_labels = config.external_labels;
  options.target_info = config.target_info;
  options.scope_labels = config.scope_labels;
  options.delta_state_ttl = config.delta_state_ttl;
  options.max_delta_series = config.max_delta_series;
  return options;
}

}  // namespace

struct RemoteWriteExporter::Engine {
  explicit Engine(const RemoteWriteConfig& config)
      : translator(translation_options(config)), encoder(config.max_samples_per_send) {}
  Translator translator;
  WriteRequestEncoder encoder;
};

struct RemoteWriteExporter::Prepared {
  BatchKey key;
  std::uint64_t items = 0;
  // Only while preparing: the pump's callback (in `done`) keeps the batch alive until then.
  const core::Batch* batch = nullptr;
  std::function<void(core::SendResult)> done;

  // Filled on the pool.
  std::string error;  // the payload does not parse
  TranslationStats stats;
  std::vector<std::string> bodies;   // snappy-compressed WriteRequests
  std::vector<std::size_t> samples;  // per body
  std::size_t total_samples = 0;

  // Delivery: bodies before `next` were answered (accepted or refused).
  std::size_t next = 0;
  std::size_t refused_samples = 0;
  std::string first_refusal;
};

struct RemoteWriteExporter::Counters {
  telemetry::Counter* samples = nullptr;
  telemetry::Counter* bytes = nullptr;
  telemetry::Counter* invalid = nullptr;
  telemetry::Counter* out_of_order = nullptr;
  telemetry::Counter* state_full = nullptr;
  std::map<std::string, telemetry::Counter*, std::less<>> requests;
};

namespace {

// Translation, encoding and compression of one batch; on the pool (or inline without a loop).
void prepare(RemoteWriteExporter::Engine& engine, RemoteWriteExporter::Prepared& out);

}  // namespace

RemoteWriteExporter::RemoteWriteExporter(std::string id,
                                         std::shared_ptr<const RemoteWriteConfig> config,
                                         const app::ComponentContext& context,
                                         std::unique_ptr<net::RequestSigner> signer)
    : id_(std::move(id)),
      config_(std::move(config)),
      context_(context),
      signer_(std::move(signer)),
      engine_(std::make_shared<Engine>(*config_)),
      counters_(std::make_unique<Counters>()) {
  auto& m = *context_.metrics;
  const telemetry::Labels component = {{"component", id_}};
  counters_->samples = &m.counter("vigil_prometheus_remote_write_samples_total",
                                  "Samples the remote-write receiver accepted.", component);
  counters_->bytes =
      &m.counter("vigil_prometheus_remote_write_sent_bytes_total",
                 "Compressed request bytes the remote-write receiver accepted.", component);
  counters_->invalid = &m.dropped_items(id_, "invalid_point");
  counters_->out_of_order = &m.dropped_items(id_, "out_of_order");
  counters_->state_full = &m.dropped_items(id_, "delta_state_full");
}

RemoteWriteExporter::~RemoteWriteExporter() { *alive_ = false; }

telemetry::Counter& RemoteWriteExporter::requests_counter(int status) {
  const std::string key = status == 0 ? "error" : std::to_string(status);
  auto it = counters_->requests.find(key);
  if (it != counters_->requests.end()) return *it->second;
  auto& counter =
      context_.metrics->counter("vigil_prometheus_remote_write_requests_total",
                                "Remote-write requests by HTTP status (\"error\": no answer).",
                                {{"component", id_}, {"status", key}});
  counters_->requests.emplace(key, &counter);
  return counter;
}

void RemoteWriteExporter::send(const core::Batch& batch,
                               std::function<void(core::SendResult)> done) {
  const BatchKey key = key_of(batch);
  if (current_ != nullptr && current_->key == key && current_->error.empty()) {
    // The pump's retry of the batch we have: resume where it failed.
    current_->done = std::move(done);
    transmit(current_);
    return;
  }
  if (preparing_) {
    // Only possible with concurrency > 1, which the config refuses.
    done(core::SendResult::retryable("another batch is still being prepared"));
    return;
  }
  auto prepared = std::make_shared<Prepared>();
  prepared->key = key;
  prepared->items = batch.items;
  prepared->batch = &batch;
  prepared->done = std::move(done);
  current_ = prepared;
  preparing_ = true;
  if (context_.loop == nullptr) {
    prepare(*engine_, *prepared);
    this->prepared(prepared);
    return;
  }
  net::run_in_pool(
      context_.loop, [engine = engine_, prepared] { prepare(*engine, *prepared); },
      [this, alive = alive_, prepared] {
        if (*alive) this->prepared(prepared);
      });
}

void RemoteWriteExporter::prepared(const std::shared_ptr<Prepared>& batch) {
  preparing_ = false;
  batch->batch = nullptr;
  const TranslationStats& stats = batch->stats;
  counters_->invalid->add(stats.dropped_invalid + stats.dropped_no_timestamp +
                          stats.dropped_unsupported);
  counters_->out_of_order->add(stats.dropped_out_of_order);
  counters_->state_full->add(stats.dropped_state_full);
  if (stats.dropped() > 0) {
    context_.logger->warn(id_,
                          "{} of {} points not translated ({} without timestamp, {} invalid, {} "
                          "delta out of order, {} beyond max_delta_series)",
                          stats.dropped(), stats.points, stats.dropped_no_timestamp,
                          stats.dropped_invalid + stats.dropped_unsupported,
                          stats.dropped_out_of_order, stats.dropped_state_full);
  }
  if (!batch->error.empty()) {
    complete(batch, core::SendResult::permanent(batch->error));
    return;
  }
  transmit(batch);
}

net::HttpClientRequest RemoteWriteExporter::build_request(const Prepared& batch) const {
  net::HttpClientRequest request;
  request.method = "POST";
  request.url = config_->url;
  request.headers.reserve(config_->headers.size() + 3);
  for (const auto& [name, value] : config_->headers) request.headers.push_back({name, value});
  request.headers.push_back({"Content-Encoding", "snappy"});
  request.headers.push_back({"Content-Type", "application/x-protobuf"});
  request.headers.push_back({"X-Prometheus-Remote-Write-Version", "0.1.0"});
  // The body is already snappy-compressed (the client would gzip or zstd it otherwise).
  request.compression = net::Codec::kNone;
  request.body = batch.bodies[batch.next];
  request.timeout = config_->timeout;
  request.tls = config_->tls;
  return request;
}

void RemoteWriteExporter::transmit(const std::shared_ptr<Prepared>& batch) {
  if (batch->next >= batch->bodies.size()) {
    if (batch->refused_samples == 0) {
      complete(batch, core::SendResult::ok());
    } else if (batch->refused_samples == batch->total_samples) {
      complete(batch, core::SendResult::permanent(batch->first_refusal));
    } else {
      // Some requests were refused, others taken: the refused share of the batch's points is
      // counted as rejected (points and samples do not map one to one).
      core::SendResult result = core::SendResult::ok();
      const std::uint64_t share =
          (batch->items * batch->refused_samples + batch->total_samples - 1) / batch->total_samples;
      result.rejected_items = std::max<std::uint64_t>(share, 1);
      result.reason = batch->first_refusal;
      complete(batch, std::move(result));
    }
    return;
  }
  auto on_done = [this, alive = alive_, batch](net::HttpClientResponse response) {
    if (*alive) on_response(batch, response);
  };
  net::HttpClientRequest request = build_request(*batch);
  if (signer_ == nullptr) {
    context_.http_client->send(std::move(request), std::move(on_done));
    return;
  }
  signer_->sign(std::move(request), [this, alive = alive_, batch, on_done = std::move(on_done)](
                                        core::Result<net::HttpClientRequest> signed_request) {
    if (!*alive) return;
    if (!signed_request) {
      complete(batch, core::SendResult::retryable("cannot sign the request: " +
                                                  signed_request.error().message));
      return;
    }
    context_.http_client->send(std::move(*signed_request), std::move(on_done));
  });
}

void RemoteWriteExporter::on_response(const std::shared_ptr<Prepared>& batch,
                                      const net::HttpClientResponse& response) {
  requests_counter(response.status).add();
  const RemoteWriteVerdict verdict =
      classify_remote_write_response(response, context_.clock->unix_nanos());
  switch (verdict.outcome) {
    case RemoteWriteOutcome::kDelivered:
      counters_->samples->add(batch->samples[batch->next]);
      counters_->bytes->add(batch->bodies[batch->next].size());
      break;
    case RemoteWriteOutcome::kRetryable:
      complete(batch, core::SendResult::retryable(verdict.message, verdict.retry_after));
      return;
    case RemoteWriteOutcome::kPermanent:
      // The receiver refused this request's data; the others still go out.
      context_.logger->warn(id_, "receiver refused {} samples: {}", batch->samples[batch->next],
                            verdict.message);
      batch->refused_samples += batch->samples[batch->next];
      if (batch->first_refusal.empty()) batch->first_refusal = verdict.message;
      break;
  }
  ++batch->next;
  transmit(batch);
}

void RemoteWriteExporter::complete(const std::shared_ptr<Prepared>& batch,
                                   core::SendResult result) {
  // A batch that will not be retried is forgotten; a retryable one keeps its requests.
  if (result.status != core::SendResult::Status::kRetryable && current_ == batch) {
    current_.reset();
  }
  auto done = std::move(batch->done);
  batch->done = nullptr;
  if (done) done(std::move(result));
}

namespace {

void prepare(RemoteWriteExporter::Engine& engine, RemoteWriteExporter::Prepared& out) {
  auto stats = engine.translator.translate(out.batch->payload, engine.encoder);
  std::vector<EncodedWriteRequest> requests = engine.encoder.finish();
  if (!stats) {
    out.error = stats.error().message;
    return;
  }
  out.stats = *stats;
  out.bodies.reserve(requests.size());
  for (auto& request : requests) {
    auto compressed = net::compress(net::Codec::kSnappy, request.body);
    if (!compressed) {
      out.error = "snappy: " + compressed.error().message;
      out.bodies.clear();
      return;
    }
    out.bodies.push_back(std::move(*compressed));
    out.samples.push_back(request.samples);
    out.total_samples += request.samples;
  }
}

}  // namespace

}  // namespace vigil::exporters::prometheus
