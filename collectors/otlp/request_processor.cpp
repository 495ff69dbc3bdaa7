#include "collectors/otlp/request_processor.h"

#include <vector>

#include <fmt/format.h>
#include <google/protobuf/arena.h>

#include "agent/telemetry/logger.h"
#include "agent/telemetry/metrics_registry.h"
#include "collectors/otlp/request_decode.h"
#include "collectors/otlp/request_validation.h"
#include "collectors/otlp/wire_rewrite.h"
#include "collectors/otlp/wire_walk.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace vigil::collectors::otlp {

namespace {

namespace collector = opentelemetry::proto::collector;

auto& resources_of(collector::trace::v1::ExportTraceServiceRequest& r) {
  return *r.mutable_resource_spans();
}
auto& resources_of(collector::logs::v1::ExportLogsServiceRequest& r) {
  return *r.mutable_resource_logs();
}
auto& resources_of(collector::metrics::v1::ExportMetricsServiceRequest& r) {
  return *r.mutable_resource_metrics();
}

std::string_view item_noun(core::Signal signal) {
  switch (signal) {
    case core::Signal::kTraces:
      return "span(s)";
    case core::Signal::kLogs:
      return "log record(s)";
    case core::Signal::kMetrics:
      return "data point(s)";
  }
  return "item(s)";
}

constexpr std::size_t signal_index(core::Signal signal) { return static_cast<std::size_t>(signal); }

std::string_view request_name(core::Signal signal) {
  switch (signal) {
    case core::Signal::kTraces:
      return "ExportTraceServiceRequest";
    case core::Signal::kLogs:
      return "ExportLogsServiceRequest";
    case core::Signal::kMetrics:
      return "ExportMetricsServiceRequest";
  }
  return "request";
}

const google::protobuf::Descriptor& request_descriptor(core::Signal signal) {
  switch (signal) {
    case core::Signal::kTraces:
      return *collector::trace::v1::ExportTraceServiceRequest::descriptor();
    case core::Signal::kLogs:
      return *collector::logs::v1::ExportLogsServiceRequest::descriptor();
    case core::Signal::kMetrics:
      break;
  }
  return *collector::metrics::v1::ExportMetricsServiceRequest::descriptor();
}

}  // namespace

RequestProcessor::RequestProcessor(ProcessorOptions options, core::Router& router,
                                   core::Scheduler& scheduler, telemetry::MetricsRegistry& metrics,
                                   const vigil::otlp::ResourceInfo& resource,
                                   telemetry::Logger* logger)
    : options_(std::move(options)),
      router_(router),
      scheduler_(scheduler),
      logger_(logger),
      merger_(resource, options_.resource_overwrite),
      dropped_invalid_(metrics.dropped_items(options_.component, "invalid")) {
  for (auto signal : core::kAllSignals) {
    walkers_[signal_index(signal)] =
        std::make_shared<const WireWalker>(request_descriptor(signal), signal, merger_.keys());
    const telemetry::Labels labels{{"component", options_.component},
                                   {"signal", std::string(core::to_string(signal))}};
    auto& counters = counters_[signal_index(signal)];
    counters.received = &metrics.counter(
        "vigil_received_items_total", "Items a collector handed to the router, by signal.", labels);
    counters.refused = &metrics.counter(
        "vigil_refused_items_total",
        "Items a receiver refused under back-pressure (the client was told to retry), by signal.",
        labels);
  }
}

RequestProcessor::~RequestProcessor() { stop(); }

void RequestProcessor::process(core::Signal signal, Encoding encoding, std::string body,
                               ExportDone done) {
  if (stopped_) {
    done(ExportResult{ExportStatus::kUnavailable, "the agent is stopping", {}});
    return;
  }
  if (encoding == Encoding::kProtobuf && pool_ && body.size() >= kPoolBytes) {
    walk_in_pool(signal, std::move(body), std::move(done));
    return;
  }
  switch (signal) {
    case core::Signal::kTraces:
      process_as<collector::trace::v1::ExportTraceServiceRequest>(signal, encoding, std::move(body),
                                                                  done);
      return;
    case core::Signal::kLogs:
      process_as<collector::logs::v1::ExportLogsServiceRequest>(signal, encoding, std::move(body),
                                                                done);
      return;
    case core::Signal::kMetrics:
      process_as<collector::metrics::v1::ExportMetricsServiceRequest>(signal, encoding,
                                                                      std::move(body), done);
      return;
  }
}

// Parses without walking first: the walk already ran and asked for a parse.
void RequestProcessor::process_parsed(core::Signal signal, Encoding encoding, std::string body,
                                      ExportDone& done) {
  switch (signal) {
    case core::Signal::kTraces:
      process_as<collector::trace::v1::ExportTraceServiceRequest>(signal, encoding, std::move(body),
                                                                  done, false);
      return;
    case core::Signal::kLogs:
      process_as<collector::logs::v1::ExportLogsServiceRequest>(signal, encoding, std::move(body),
                                                                done, false);
      return;
    case core::Signal::kMetrics:
      process_as<collector::metrics::v1::ExportMetricsServiceRequest>(signal, encoding,
                                                                      std::move(body), done, false);
      return;
  }
}

void RequestProcessor::walk_in_pool(core::Signal signal, std::string body, ExportDone done) {
  auto job =
      std::make_shared<PoolJob>(PoolJob{signal, std::move(body), std::move(done), {}, false});
  const std::uint64_t id = next_id_++;
  in_pool_.emplace(id, job);
  std::weak_ptr<RequestProcessor*> weak = self_;
  pool_(
      [job, walker = walkers_[signal_index(signal)]] {
        job->well_formed = walker->walk(job->body, job->walk);
      },
      [weak, id] {
        auto self = weak.lock();
        if (!self) return;  // the processor is gone; stop() answered the request
        (*self)->walked_in_pool(id);
      });
}

void RequestProcessor::walked_in_pool(std::uint64_t id) {
  auto it = in_pool_.find(id);
  if (it == in_pool_.end()) return;  // answered by stop()
  const std::shared_ptr<PoolJob> job = std::move(it->second);
  in_pool_.erase(it);
  // Runs from the pool's completion callback on the loop: nothing may escape.
  try {
    if (!forward_walked(job->signal, job->well_formed, job->walk, job->body, job->done)) {
      process_parsed(job->signal, Encoding::kProtobuf, std::move(job->body), job->done);
    }
  } catch (const std::exception& e) {
    if (logger_ != nullptr)
      logger_->error(options_.component, "processing a request: {}", e.what());
  }
}

template <typename Request>
void RequestProcessor::process_as(core::Signal signal, Encoding encoding, std::string body,
                                  ExportDone& done, bool walk) {
  if (encoding == Encoding::kProtobuf && walk) {
    const bool well_formed = walkers_[signal_index(signal)]->walk(body, walk_);
    if (forward_walked(signal, well_formed, walk_, body, done)) return;
  }
  // One arena per request: the parsed tree is freed in one go, and parsing allocates from a
  // few blocks instead of once per message.
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
  if (auto decoded = decode_request(encoding, body, *request); !decoded) {
    done(ExportResult{ExportStatus::kInvalidArgument, std::move(decoded.error().message), {}});
    return;
  }

  const Validation validation = validate_request(*request);
  std::string error_message;
  if (validation.rejected > 0) {
    dropped_invalid_.add(validation.rejected);
    error_message = fmt::format("{} {} rejected: {}", validation.rejected, item_noun(signal),
                                validation.reason);
    if (logger_ != nullptr) logger_->warn(options_.component, "{}", error_message);
  }
  std::string ok_body =
      encode_export_response(signal, encoding, validation.rejected, error_message);
  if (validation.accepted == 0) {
    // Nothing to forward (an empty request, or every item rejected): answered at once.
    done(ExportResult{ExportStatus::kOk, {}, std::move(ok_body)});
    return;
  }

  auto& resources = resources_of(*request);
  std::string payload;
  bool ready = false;
  if (encoding == Encoding::kProtobuf && validation.rejected == 0) {
    ready = forward_unchanged(resources, body);
    if (ready) payload = std::move(body);
  }
  if (!ready) {
    for (auto& resource : resources) merger_.merge(resource.mutable_resource());
    request->SerializeToString(&payload);
  }
  route(signal, std::move(payload), validation.accepted, std::move(ok_body), done);
}

// The common case without materialising the request: a wire walk validates and counts it,
// and when no item must go and no value must be overwritten the bytes travel as they came
// (with missing agent attributes appended). False when the request must be parsed instead.
bool RequestProcessor::forward_walked(core::Signal signal, bool well_formed, const WalkResult& walk,
                                      std::string& body, ExportDone& done) {
  if (!well_formed) {
    done(ExportResult{ExportStatus::kInvalidArgument,
                      fmt::format("the body is not a valid protobuf {}", request_name(signal)),
                      {}});
    return true;
  }
  if (walk.invalid > 0) return false;
  if (walk.items > 0 && !merger_.empty()) {
    extras_.resize(walk.present_keys.size());
    bool append = false;
    for (std::size_t i = 0; i < walk.present_keys.size(); ++i) {
      switch (merger_.plan(walk.present_keys[i], extras_[i])) {
        case ResourceMerger::Plan::kNothing:
          extras_[i].clear();
          break;
        case ResourceMerger::Plan::kAppend:
          append = true;
          break;
        case ResourceMerger::Plan::kRewrite:
          return false;
      }
    }
    if (append) {
      std::vector<std::string_view> views(extras_.begin(), extras_.end());
      auto rewritten = append_to_resources(body, views);
      if (!rewritten) return false;
      body = std::move(*rewritten);
    }
  }
  std::string ok_body = encode_export_response(signal, Encoding::kProtobuf, 0, {});
  if (walk.items == 0) {
    // Nothing to forward (an empty request): answered at once.
    done(ExportResult{ExportStatus::kOk, {}, std::move(ok_body)});
    return true;
  }
  route(signal, std::move(body), walk.items, std::move(ok_body), done);
  return true;
}

// Tries to add the agent's attributes without re-encoding: `body` is left as it came, or gets
// the missing attributes appended to its resources. False when the parsed message must be
// merged and re-serialized instead.
template <typename Resources>
bool RequestProcessor::forward_unchanged(const Resources& resources, std::string& body) {
  if (merger_.empty()) return true;
  std::vector<std::string> extras(static_cast<std::size_t>(resources.size()));
  bool append = false;
  for (int i = 0; i < resources.size(); ++i) {
    switch (merger_.plan(resources.Get(i).resource(), extras[static_cast<std::size_t>(i)])) {
      case ResourceMerger::Plan::kNothing:
        break;
      case ResourceMerger::Plan::kAppend:
        append = true;
        break;
      case ResourceMerger::Plan::kRewrite:
        return false;
    }
  }
  if (!append) return true;
  std::vector<std::string_view> views(extras.begin(), extras.end());
  auto rewritten = append_to_resources(body, views);
  if (!rewritten) {
    if (logger_ != nullptr) {
      logger_->debug(options_.component, "re-encoding a request: {}", rewritten.error().message);
    }
    return false;
  }
  body = std::move(*rewritten);
  return true;
}

void RequestProcessor::route(core::Signal signal, std::string payload, std::uint64_t items,
                             std::string ok_body, ExportDone& done) {
  auto batch = std::make_shared<core::Batch>();
  batch->signal = signal;
  batch->payload = std::move(payload);
  batch->items = items;
  batch->source = options_.component;

  const std::uint64_t id = next_id_++;
  // Registered before the offer: the acknowledgement may run inside it (no route takes the
  // signal, a drop_newest queue drops it).
  waiting_.emplace(id, Waiting{std::move(done), std::move(ok_body), nullptr});
  std::weak_ptr<RequestProcessor*> weak = self_;
  const auto offered = router_.offer(batch, [weak, id](const core::AckOutcome& outcome) {
    auto self = weak.lock();
    if (!self) return;  // the processor is gone; its clients were answered when it stopped
    if (outcome.safe()) {
      (*self)->settle(id, ExportResult{ExportStatus::kOk, {}, {}});
    } else {
      (*self)->settle(id, ExportResult{ExportStatus::kUnavailable,
                                       "the agent stopped before the data was safe; retry",
                                       {}});
    }
  });
  auto& counters = counters_[signal_index(signal)];
  if (offered == core::OfferResult::kBlocked) {
    counters.refused->add(items);
    settle(id, ExportResult{ExportStatus::kRefused,
                            "the agent's queue is full (back-pressure); retry later",
                            {}});
    return;
  }
  counters.received->add(items);
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;  // already safe
  it->second.timer = scheduler_.schedule(options_.ack_timeout, [weak, id] {
    auto self = weak.lock();
    if (!self) return;
    (*self)->settle(id, ExportResult{ExportStatus::kUnavailable,
                                     "the data was not acknowledged within ack_timeout; it stays "
                                     "queued, and a retry may deliver it twice",
                                     {}});
  });
}

void RequestProcessor::settle(std::uint64_t id, ExportResult result) {
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;  // answered already (timeout, stop): a late ack changes nothing
  Waiting waiting = std::move(it->second);
  waiting_.erase(it);
  if (waiting.timer) waiting.timer->cancel();
  if (result.status == ExportStatus::kOk) result.body = std::move(waiting.ok_body);
  // Runs from acknowledgement and timer callbacks on the loop: nothing may escape.
  try {
    waiting.done(std::move(result));
  } catch (const std::exception& e) {
    if (logger_ != nullptr) logger_->error(options_.component, "answering a request: {}", e.what());
  }
}

void RequestProcessor::stop() {
  stopped_ = true;
  // Walks still on the pool finish there; their results are then ignored.
  auto in_pool = std::move(in_pool_);
  in_pool_.clear();
  for (auto& [id, job] : in_pool) {
    try {
      job->done(ExportResult{ExportStatus::kUnavailable, "the agent is stopping; retry", {}});
    } catch (const std::exception& e) {
      if (logger_ != nullptr) {
        logger_->error(options_.component, "answering a request: {}", e.what());
      }
    }
  }
  while (!waiting_.empty()) {
    settle(waiting_.begin()->first,
           ExportResult{ExportStatus::kUnavailable, "the agent is stopping; retry", {}});
  }
}

}  // namespace vigil::collectors::otlp
