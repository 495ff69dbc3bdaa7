#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/router.h"
#include "agent/core/scheduler.h"
#include "agent/core/signal.h"
#include "agent/otlp/resource_info.h"
#include "collectors/otlp/export_response.h"
#include "collectors/otlp/resource_merger.h"
#include "collectors/otlp/wire_walk.h"

namespace vigil::telemetry {
class Counter;
class Logger;
class MetricsRegistry;
}  // namespace vigil::telemetry

namespace vigil::collectors::otlp {

// How an export request ended, independent of the transport (HTTP maps it to a status code,
// gRPC to a grpc-status).
enum class ExportStatus : std::uint8_t {
  kOk,               // 200 / OK: `body` is the Export*ServiceResponse
  kInvalidArgument,  // 400 / INVALID_ARGUMENT: the body did not decode
  kRefused,          // 429 / UNAVAILABLE: back-pressure, nothing was taken; retry later
  kUnavailable,      // 503 / UNAVAILABLE: not safe in time, or the agent is stopping; retry
};

struct ExportResult {
  ExportStatus status = ExportStatus::kOk;
  std::string message;  // why, for every status but kOk
  std::string body;     // kOk: the response in the request's encoding
};

// Runs once per request, possibly inside process() (decode errors, refusals, empty requests),
// otherwise on the loop when the batch is safe, the ack timeout passes or the processor stops.
using ExportDone = std::move_only_function<void(ExportResult)>;

// Runs `work` off the loop thread, then `done` on it (net::run_in_pool; tests run both inline).
using PoolRunner = std::function<void(std::function<void()> work, std::function<void()> done)>;

struct ProcessorOptions {
  std::string component;  // collector id: batches' source and metric label
  bool resource_overwrite = false;
  core::Duration ack_timeout = std::chrono::seconds(5);
};

// The transport-independent core of the OTLP receiver: decodes one Export*ServiceRequest,
// removes invalid items (request_validation.h), adds the agent's resource attributes, offers
// the batch to the router and answers once the batch is safe (DESIGN.md section 4).
// Protobuf requests that need no change travel as the bytes that came; where only attributes
// must be added they are appended at the wire level; only a request that lost items (or whose
// resource values must be overwritten) is re-serialized. JSON is converted to protobuf once.
// Loop thread only.
class RequestProcessor {
 public:
  RequestProcessor(ProcessorOptions options, core::Router& router, core::Scheduler& scheduler,
                   telemetry::MetricsRegistry& metrics, const vigil::otlp::ResourceInfo& resource,
                   telemetry::Logger* logger);
  // Answers what still waits kUnavailable (as stop()).
  ~RequestProcessor();
  RequestProcessor(const RequestProcessor&) = delete;
  RequestProcessor& operator=(const RequestProcessor&) = delete;

  void process(core::Signal signal, Encoding encoding, std::string body, ExportDone done);

  // Protobuf requests of at least kPoolBytes are walked on `runner` (libuv's thread pool) so
  // the loop never stalls on them (DESIGN.md section 2); smaller ones stay on the loop, where
  // they cost less than the hand-off. Without a runner everything stays on the loop.
  void offload_large_requests(PoolRunner runner) { pool_ = std::move(runner); }
  static constexpr std::size_t kPoolBytes = 1024 * 1024;

  // Answers every waiting request kUnavailable, and every later one too. Acknowledgements that
  // arrive afterwards are ignored.
  void stop();

  // Requests whose batch was accepted and is not yet safe.
  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiting {
    ExportDone done;
    std::string ok_body;
    std::unique_ptr<core::TimerHandle> timer;
  };
  struct SignalCounters {
    telemetry::Counter* received = nullptr;
    telemetry::Counter* refused = nullptr;
  };

  // A protobuf request walked on the pool, waiting for its result on the loop.
  struct PoolJob {
    core::Signal signal;
    std::string body;
    ExportDone done;
    WalkResult walk;
    bool well_formed = false;
  };

  template <typename Request>
  void process_as(core::Signal signal, Encoding encoding, std::string body, ExportDone& done,
                  bool walk = true);
  void process_parsed(core::Signal signal, Encoding encoding, std::string body, ExportDone& done);
  bool forward_walked(core::Signal signal, bool well_formed, const WalkResult& walk,
                      std::string& body, ExportDone& done);
  void walk_in_pool(core::Signal signal, std::string body, ExportDone done);
  void walked_in_pool(std::uint64_t id);
  template <typename Resources>
  bool forward_unchanged(const Resources& resources, std::string& payload);
  void route(core::Signal signal, std::string payload, std::uint64_t items, std::string ok_body,
             ExportDone& done);
  void settle(std::uint64_t id, ExportResult result);

  ProcessorOptions options_;
  core::Router& router_;
  core::Scheduler& scheduler_;
  telemetry::Logger* logger_;
  ResourceMerger merger_;
  SignalCounters counters_[3];
  telemetry::Counter& dropped_invalid_;
  // Shared with walks running on the pool, which may outlive this processor.
  std::shared_ptr<const WireWalker> walkers_[3];
  PoolRunner pool_;
  std::map<std::uint64_t, std::shared_ptr<PoolJob>> in_pool_;
  // Reused by every walk (the loop runs one at a time): their capacity stays.
  WalkResult walk_;
  std::vector<std::string> extras_;
  std::map<std::uint64_t, Waiting> waiting_;
  std::uint64_t next_id_ = 1;
  bool stopped_ = false;
  // Acknowledgement and timer callbacks hold a weak reference: a batch may become safe (or be
  // abandoned) after this processor is gone.
  std::shared_ptr<RequestProcessor*> self_ = std::make_shared<RequestProcessor*>(this);
};

}  // namespace vigil::collectors::otlp
