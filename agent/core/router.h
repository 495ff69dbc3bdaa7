#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/ack.h"
#include "agent/core/batch.h"
#include "agent/core/queue.h"
#include "agent/core/signal.h"

namespace vigil::telemetry {
class MetricsRegistry;
}

namespace vigil::core {

enum class OfferResult : std::uint8_t {
  kAccepted,  // every target queue took the batch; `on_safe` runs once it is safe
  kBlocked,   // a target queue with when_full = block is full: nothing was taken; try again
              // after the router's space notification
};

// One exporter's subscription.
struct Route {
  std::string exporter;      // exporter id, for logs and metrics
  Queue* queue = nullptr;    // not owned; outlives the router's use of it
  SignalSet signals;         // which signals it takes
  std::vector<std::string> from;  // source ids it takes; empty = every source
};

// Fans batches out by signal and source to exporters' queues, and ties the acknowledgement of
// each batch to all of them (DESIGN.md section 4). Loop thread only.
class Router {
 public:
  explicit Router(telemetry::MetricsRegistry& metrics);

  void add_route(Route route);
  void clear_routes();

  // Offers a batch to every queue whose route matches. If any of them would block, nothing is
  // taken and kBlocked is returned. A batch no route takes is acknowledged at once and its
  // items are counted as dropped with reason "no_route".
  OfferResult offer(BatchPtr batch, AckCallback on_safe);

  // Runs `callback` whenever a queue frees space (after a kBlocked offer, wait for this).
  // The returned id can be passed to remove_space_listener.
  std::uint64_t add_space_listener(std::function<void()> callback);
  void remove_space_listener(std::uint64_t id);

  // Called by queues' space callbacks (wired in add_route).
  void notify_space();

 private:
  telemetry::MetricsRegistry& metrics_;
  std::vector<Route> routes_;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> space_listeners_;
  std::uint64_t next_listener_id_ = 1;
};

}  // namespace vigil::core
