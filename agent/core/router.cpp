#include "agent/core/router.h"

#include <algorithm>
#include <utility>

#include "agent/telemetry/metrics_registry.h"

namespace vigil::core {

Router::Router(telemetry::MetricsRegistry& metrics, Scheduler& scheduler)
    : metrics_(metrics), scheduler_(scheduler) {}

Router::~Router() = default;

void Router::add_route(Route route) {
  if (route.queue == nullptr) return;
  route.queue->set_space_callback([weak = std::weak_ptr<Router*>(self_)] {
    if (auto self = weak.lock()) (*self)->notify_space();
  });
  routes_.push_back(std::move(route));
}

void Router::clear_routes() {
  for (Route& route : routes_) route.queue->set_space_callback(nullptr);
  routes_.clear();
}

bool Router::matches(const Route& route, const Batch& batch) const {
  if (!route.signals.contains(batch.signal)) return false;
  return route.from.empty() ||
         std::find(route.from.begin(), route.from.end(), batch.source) != route.from.end();
}

OfferResult Router::offer(BatchPtr batch, AckCallback on_safe) {
  if (offering_) {
    notify_space();
    return OfferResult::kBlocked;
  }
  if (batch == nullptr) {
    make_ack_tickets(0, std::move(on_safe));
    return OfferResult::kAccepted;
  }
  // All or nothing: a batch taken by some queues and refused by another could only be offered
  // again as a duplicate.
  std::size_t shares = 0;
  for (const Route& route : routes_) {
    if (!matches(route, *batch)) continue;
    if (route.queue->would_block(batch->payload.size())) return OfferResult::kBlocked;
    ++shares;
  }
  if (shares == 0) {
    metrics_.dropped_items(batch->source, "no_route").add(batch->items);
    make_ack_tickets(0, std::move(on_safe));
    return OfferResult::kAccepted;
  }

  offering_ = true;
  std::vector<AckTicket> tickets = make_ack_tickets(shares, std::move(on_safe));
  // Indexes, not iterators: a callback running inside push() may add routes.
  std::size_t next = 0;
  for (std::size_t i = 0; i < routes_.size() && next < shares; ++i) {
    if (!matches(routes_[i], *batch)) continue;
    routes_[i].queue->push(batch, std::move(tickets[next++]));
  }
  offering_ = false;
  return OfferResult::kAccepted;
}

std::uint64_t Router::add_space_listener(std::function<void()> callback) {
  const std::uint64_t id = next_listener_id_++;
  space_listeners_.emplace_back(id, std::move(callback));
  return id;
}

void Router::remove_space_listener(std::uint64_t id) {
  std::erase_if(space_listeners_, [id](const auto& entry) { return entry.first == id; });
}

void Router::notify_space() {
  // Deferred to the loop: a space callback fires inside queue calls, often inside an offer
  // whose source would otherwise be re-entered before it learned the offer's result.
  if (space_scheduled_) return;
  space_scheduled_ = true;
  space_timer_ = scheduler_.schedule(Duration::zero(), [this] { run_space_listeners(); });
}

void Router::run_space_listeners() {
  space_scheduled_ = false;
  // A listener may add or remove listeners (its own or others'): iterate over a copy and skip
  // any removed meanwhile, whose owner may be gone.
  auto listeners = space_listeners_;
  for (auto& [id, callback] : listeners) {
    const bool registered = std::any_of(space_listeners_.begin(), space_listeners_.end(),
                                        [id = id](const auto& entry) { return entry.first == id; });
    if (registered) callback();
  }
}

}  // namespace vigil::core
