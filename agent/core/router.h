#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/core/ack.h"
#include "agent/core/batch.h"
#include "agent/core/queue.h"
#include "agent/core/scheduler.h"
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
  std::string exporter;           // exporter id, for logs and metrics
  Queue* queue = nullptr;         // not owned; must stay alive while routed (see clear_routes)
  SignalSet signals;              // which signals it takes
  std::vector<std::string> from;  // source ids it takes (exact match); empty = every source
};

// Fans batches out by signal and source to exporters' queues, and ties the acknowledgement of
// each batch to all of them (DESIGN.md section 4). Loop thread only.
class Router {
 public:
  // `scheduler` delivers space notifications on a later turn of the loop (see add_space_listener).
  Router(telemetry::MetricsRegistry& metrics, Scheduler& scheduler);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Also wires the queue's space callback to notify_space().
  void add_route(Route route);
  // Unwires the queues' space callbacks, so call it while the queues are still alive.
  void clear_routes();

  // Offers a batch to every queue whose route matches. If any of them would block, nothing is
  // taken and kBlocked is returned. A batch no route takes is acknowledged at once (an outcome
  // of zero shares, which is safe) and its items are counted as dropped with reason "no_route".
  // `on_safe` may run before offer() returns (no route, a drop_newest drop, a synchronous send).
  // An offer made from inside another offer (a callback that runs during it) returns kBlocked
  // and a space notification follows: that keeps every queue's batches in the order their
  // sources offered them.
  OfferResult offer(BatchPtr batch, AckCallback on_safe);

  // Runs `callback` after a queue frees space (after a kBlocked offer, wait for this). Always
  // on a later turn of the loop, never inside offer() or a queue call, so a source is never
  // re-entered while its own offer is under way; several frees in one turn make one
  // notification. The returned id can be passed to remove_space_listener, also from inside a
  // callback.
  std::uint64_t add_space_listener(std::function<void()> callback);
  void remove_space_listener(std::uint64_t id);

  // Called by queues' space callbacks (wired in add_route): schedules the notification.
  void notify_space();

 private:
  bool matches(const Route& route, const Batch& batch) const;
  void run_space_listeners();

  telemetry::MetricsRegistry& metrics_;
  Scheduler& scheduler_;
  std::vector<Route> routes_;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> space_listeners_;
  std::uint64_t next_listener_id_ = 1;
  bool offering_ = false;
  std::unique_ptr<TimerHandle> space_timer_;
  bool space_scheduled_ = false;
  // Queues' space callbacks hold a weak reference, so a queue that outlives the router cannot
  // call into it.
  std::shared_ptr<Router*> self_ = std::make_shared<Router*>(this);
};

}  // namespace vigil::core
