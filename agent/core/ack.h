#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace vigil::core {

// How one target queue settled its share of a batch (DESIGN.md section 4).
enum class Settlement : std::uint8_t {
  kDelivered,  // the backend answered 2xx
  kDurable,    // written durably to a disk queue
  kDropped,    // dropped by policy or a permanent error; already counted and logged there
  kAbandoned,  // the agent stopped before the share was safe: the source must not advance
};

// What the source learns once every share of its batch is settled.
struct AckOutcome {
  std::uint32_t delivered = 0;
  std::uint32_t durable = 0;
  std::uint32_t dropped = 0;
  std::uint32_t abandoned = 0;
  // Safe: nothing can still be lost, so the source may advance (checkpoint, answer 200).
  bool safe() const { return abandoned == 0; }
};

using AckCallback = std::function<void(const AckOutcome&)>;

struct AckState;

// One queue's share of a batch's acknowledgement. Move-only. Settling twice is a no-op; a ticket
// destroyed unsettled settles as kAbandoned. An empty (default) ticket ignores settle().
class AckTicket {
 public:
  AckTicket() = default;
  AckTicket(AckTicket&&) noexcept = default;
  AckTicket& operator=(AckTicket&& other) noexcept;
  AckTicket(const AckTicket&) = delete;
  AckTicket& operator=(const AckTicket&) = delete;
  ~AckTicket();

  void settle(Settlement how);
  bool pending() const { return state_ != nullptr; }

 private:
  friend std::vector<AckTicket> make_ack_tickets(std::size_t, AckCallback);
  explicit AckTicket(std::shared_ptr<AckState> state) : state_(std::move(state)) {}
  std::shared_ptr<AckState> state_;
};

// Splits one acknowledgement into `shares` tickets. `on_settled` runs exactly once, on the
// loop thread, when the last ticket settles; with zero shares it runs at once (safe).
std::vector<AckTicket> make_ack_tickets(std::size_t shares, AckCallback on_settled);

}  // namespace vigil::core
