#include "exporters/otlp/otlp_exporter.h"

#include <exception>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agent/net/grpc_framing.h"
#include "agent/net/thread_pool.h"
#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "exporters/otlp/request_encoding.h"
#include "exporters/otlp/response_classify.h"

namespace vigil::exporters::otlp_exporter {

namespace {

// Payloads from this size on are encoded (cut, converted to JSON, compressed) on libuv's thread
// pool: gzip takes about a millisecond per 64 KiB, JSON about as long per 100 KiB.
constexpr std::size_t kPoolEncodeBytes = 32 * 1024;

std::string grpc_timeout(core::Duration timeout) {
  // At most 8 digits (PROTOCOL-HTTP2.md); milliseconds cover up to a day of them.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  if (ms < 100'000'000) return fmt::format("{}m", ms);
  return fmt::format("{}S", std::chrono::ceil<std::chrono::seconds>(timeout).count());
}

bool is_https(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = url[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

struct OtlpExporter::Counters {
  telemetry::Counter* sent_bytes = nullptr;
  telemetry::Counter* uncompressed_bytes = nullptr;
};

struct OtlpExporter::Send {
  // Alive while `done` is: the pump's callback holds the batch until it is called.
  const core::Batch* batch = nullptr;
  std::function<void(core::SendResult)> done;
  core::Result<std::vector<EncodedRequest>> requests = std::vector<EncodedRequest>();
  PartsProgress progress;
  ProgressMemory::Key key;
};

OtlpExporter::OtlpExporter(std::string id, std::shared_ptr<const OtlpExporterConfig> config,
                           const app::ComponentContext& context,
                           std::unique_ptr<net::RequestSigner> signer)
    : id_(std::move(id)),
      config_(std::move(config)),
      context_(context),
      signer_(std::move(signer)),
      counters_(std::make_unique<Counters>()) {
  for (core::Signal signal : core::kAllSignals) {
    urls_[static_cast<std::size_t>(signal)] = signal_url(*config_, signal);
  }
  const telemetry::Labels labels = {{"component", id_}};
  counters_->sent_bytes = &context_.metrics->counter(
      "vigil_otlp_export_sent_bytes_total",
      "Request bodies sent by the OTLP exporter, as on the wire (compressed).", labels);
  counters_->uncompressed_bytes = &context_.metrics->counter(
      "vigil_otlp_export_uncompressed_bytes_total",
      "Request bodies sent by the OTLP exporter, before compression.", labels);
}

OtlpExporter::~OtlpExporter() { *alive_ = false; }

void OtlpExporter::send(const core::Batch& batch, std::function<void(core::SendResult)> done) {
  auto send = std::make_shared<Send>();
  send->batch = &batch;
  send->done = std::move(done);
  EncodeOptions options{
      .protocol = config_->protocol,
      .compression = config_->compression,
      .compression_level = config_->compression_level,
      .max_request_size = static_cast<std::size_t>(config_->max_request_size),
  };
  if (batch.payload.size() < kPoolEncodeBytes || context_.loop == nullptr) {
    prepare(*send, options);
    begin(send);
    return;
  }
  net::run_in_pool(
      context_.loop, [send, options] { prepare(*send, options); },
      [this, send, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        begin(send);
      });
}

void OtlpExporter::prepare(Send& send, const EncodeOptions& options) {
  try {
    send.requests =
        encode_requests(send.batch->signal, send.batch->payload, send.batch->items, options);
    // Hashing a large payload is work for the pool too; only batches cut in several need it.
    if (send.requests && send.requests->size() > 1) send.key = ProgressMemory::key_of(*send.batch);
  } catch (const std::exception& e) {
    send.requests = core::make_error(e.what());
  }
}

void OtlpExporter::begin(const std::shared_ptr<Send>& send) {
  if (!send->requests) {
    complete(send, core::SendResult::permanent("cannot encode the batch: " +
                                               send->requests.error().message));
    return;
  }
  if (send->requests->size() > 1) {
    if (auto resumed = progress_.take(send->key)) {
      send->progress = std::move(*resumed);
      context_.logger->info(id_, "resuming a {}-request batch at request {}",
                            send->requests->size(), send->progress.next_part + 1);
    }
  }
  send_next(send);
}

net::HttpClientRequest OtlpExporter::build_request(const Send& send) const {
  const EncodedRequest& part = (*send.requests)[send.progress.next_part];
  const std::string& url = urls_[static_cast<std::size_t>(send.batch->signal)];
  net::HttpClientRequest request;
  request.url = url;
  request.timeout = config_->timeout;
  request.tls = config_->tls;
  request.body = part.body;
  for (const auto& [name, value] : config_->headers) request.headers.push_back({name, value});
  const std::string_view codec = net::to_string(part.codec);
  if (config_->protocol == Protocol::kGrpc) {
    // h2c with prior knowledge on http://, ALPN on https:// (PROTOCOLS.md 2.2).
    request.http2 = is_https(url) ? 1 : 2;
    request.headers.push_back({"content-type", "application/grpc"});
    request.headers.push_back({"te", "trailers"});
    request.headers.push_back({"grpc-timeout", grpc_timeout(config_->timeout)});
    request.headers.push_back({"grpc-accept-encoding", std::string(net::kGrpcAcceptEncoding)});
    if (!codec.empty()) request.headers.push_back({"grpc-encoding", std::string(codec)});
  } else {
    request.http2 = is_https(url) ? 1 : 0;
    request.headers.push_back({"Content-Type", config_->protocol == Protocol::kHttpJson
                                                   ? "application/json"
                                                   : "application/x-protobuf"});
    // Compressed already (the signature must cover the body as sent): named here, so the
    // client leaves it alone.
    if (!codec.empty()) request.headers.push_back({"Content-Encoding", std::string(codec)});
  }
  return request;
}

void OtlpExporter::send_next(const std::shared_ptr<Send>& send) {
  if (send->progress.next_part >= send->requests->size()) {
    const PartsProgress& p = send->progress;
    if (p.refused_items > 0 && p.refused_items >= send->batch->items) {
      complete(send, core::SendResult::permanent(p.first_problem));
      return;
    }
    core::SendResult result = core::SendResult::ok();
    result.rejected_items = p.rejected_items + p.refused_items;
    result.reason = p.first_problem;
    complete(send, std::move(result));
    return;
  }
  net::HttpClientRequest request = build_request(*send);
  if (!signer_) {
    transmit(send, std::move(request));
    return;
  }
  signer_->sign(std::move(request), [this, send, alive = std::weak_ptr<bool>(alive_)](
                                        core::Result<net::HttpClientRequest> signed_request) {
    if (alive.expired()) return;
    if (!signed_request) {
      complete(send, core::SendResult::retryable("cannot sign the request: " +
                                                 signed_request.error().message));
      return;
    }
    transmit(send, std::move(*signed_request));
  });
}

void OtlpExporter::transmit(const std::shared_ptr<Send>& send, net::HttpClientRequest request) {
  const EncodedRequest& part = (*send->requests)[send->progress.next_part];
  counters_->sent_bytes->add(part.body.size());
  counters_->uncompressed_bytes->add(part.uncompressed_bytes);
  context_.http_client->send(std::move(request), [this, send, alive = std::weak_ptr<bool>(alive_)](
                                                     net::HttpClientResponse response) {
    if (alive.expired()) return;
    on_response(send, response);
  });
}

telemetry::Counter& OtlpExporter::requests_counter(const std::string& status) {
  auto& counter = requests_by_status_[status];
  if (counter == nullptr) {
    counter = &context_.metrics->counter("vigil_otlp_export_requests_total",
                                         "Requests the OTLP exporter sent, by the answer's status.",
                                         {{"component", id_}, {"status", status}});
  }
  return *counter;
}

void OtlpExporter::on_response(const std::shared_ptr<Send>& send,
                               const net::HttpClientResponse& response) {
  const core::Signal signal = send->batch->signal;
  core::SendResult result;
  if (config_->protocol == Protocol::kGrpc) {
    result = classify_grpc_response(signal, response);
    const std::string_view code = net::find_header(response.headers, "grpc-status");
    requests_counter(response.status == 0 ? "error"
                     : code.empty()       ? fmt::format("http_{}", response.status)
                                          : std::string(code))
        .add();
  } else {
    result = classify_http_response(
        signal,
        config_->protocol == Protocol::kHttpJson ? BodyEncoding::kJson : BodyEncoding::kProtobuf,
        response, context_.clock->unix_nanos());
    requests_counter(response.status == 0 ? "error" : std::to_string(response.status)).add();
  }

  const std::size_t parts = send->requests->size();
  PartsProgress& progress = send->progress;
  const EncodedRequest& part = (*send->requests)[progress.next_part];
  const std::string where =
      parts > 1 ? fmt::format(" (request {} of {})", progress.next_part + 1, parts) : std::string();
  switch (result.status) {
    case core::SendResult::Status::kOk:
      if (result.rejected_items == 0 && !result.reason.empty()) {
        context_.logger->warn(id_, "the backend accepted {} {} items with a warning{}: {}",
                              part.items, core::to_string(signal), where, result.reason);
      }
      progress.rejected_items += std::min(result.rejected_items, part.items);
      break;
    case core::SendResult::Status::kPermanent:
      if (parts == 1) {
        complete(send, std::move(result));
        return;
      }
      context_.logger->error(id_, "the backend refused {} {} items{}: {}", part.items,
                             core::to_string(signal), where, result.reason);
      progress.refused_items += part.items;
      break;
    case core::SendResult::Status::kRetryable:
      if (parts > 1) {
        result.reason += where;
        progress_.remember(send->key, progress);
      }
      complete(send, std::move(result));
      return;
  }
  if (progress.first_problem.empty() && !result.reason.empty()) {
    progress.first_problem = result.reason + where;
  }
  ++progress.next_part;
  send_next(send);
}

void OtlpExporter::complete(const std::shared_ptr<Send>& send, core::SendResult result) {
  auto done = std::move(send->done);
  if (done) done(std::move(result));
}

}  // namespace vigil::exporters::otlp_exporter
