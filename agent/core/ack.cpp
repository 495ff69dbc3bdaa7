#include "agent/core/ack.h"

#include <utility>

namespace vigil::core {

struct AckState {
  AckCallback callback;
  std::size_t remaining = 0;
  AckOutcome outcome;
};

AckTicket& AckTicket::operator=(AckTicket&& other) noexcept {
  if (this != &other) {
    // Overwriting a pending share must not leave its batch waiting for an acknowledgement that
    // can never come: the share is lost, so the source must not advance.
    if (state_ != nullptr) settle(Settlement::kAbandoned);
    state_ = std::move(other.state_);
  }
  return *this;
}

AckTicket::~AckTicket() {
  if (state_ != nullptr) settle(Settlement::kAbandoned);
}

void AckTicket::settle(Settlement how) {
  if (state_ == nullptr) return;
  // Detach first: the callback may destroy or reassign this ticket.
  std::shared_ptr<AckState> state = std::move(state_);
  switch (how) {
    case Settlement::kDelivered:
      ++state->outcome.delivered;
      break;
    case Settlement::kDurable:
      ++state->outcome.durable;
      break;
    case Settlement::kDropped:
      ++state->outcome.dropped;
      break;
    case Settlement::kAbandoned:
      ++state->outcome.abandoned;
      break;
  }
  if (--state->remaining == 0 && state->callback) {
    AckCallback callback = std::move(state->callback);
    state->callback = nullptr;
    callback(state->outcome);
  }
}

std::vector<AckTicket> make_ack_tickets(std::size_t shares, AckCallback on_settled) {
  std::vector<AckTicket> tickets;
  if (shares == 0) {
    if (on_settled) on_settled(AckOutcome{});
    return tickets;
  }
  auto state = std::make_shared<AckState>();
  state->callback = std::move(on_settled);
  state->remaining = shares;
  tickets.reserve(shares);
  for (std::size_t i = 0; i < shares; ++i) tickets.push_back(AckTicket(state));
  return tickets;
}

}  // namespace vigil::core
