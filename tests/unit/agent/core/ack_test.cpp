#include "agent/core/ack.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/agent/core/core_test_support.h"

namespace vigil::core {
namespace {

using testing::AckProbe;

TEST(AckTest, CallbackRunsOnceWhenTheLastShareSettles) {
  AckProbe probe;
  auto tickets = make_ack_tickets(3, probe.callback());
  ASSERT_EQ(tickets.size(), 3u);
  tickets[0].settle(Settlement::kDelivered);
  tickets[2].settle(Settlement::kDurable);
  EXPECT_EQ(probe.calls, 0);
  tickets[1].settle(Settlement::kDropped);
  EXPECT_EQ(probe.calls, 1);
  EXPECT_EQ(probe.outcome.delivered, 1u);
  EXPECT_EQ(probe.outcome.durable, 1u);
  EXPECT_EQ(probe.outcome.dropped, 1u);
  EXPECT_EQ(probe.outcome.abandoned, 0u);
  EXPECT_TRUE(probe.outcome.safe());
  for (auto& t : tickets) EXPECT_FALSE(t.pending());
}

TEST(AckTest, SettlingTwiceIsANoOp) {
  AckProbe probe;
  auto tickets = make_ack_tickets(2, probe.callback());
  tickets[0].settle(Settlement::kDelivered);
  tickets[0].settle(Settlement::kAbandoned);
  EXPECT_EQ(probe.calls, 0);
  tickets[1].settle(Settlement::kDelivered);
  EXPECT_EQ(probe.calls, 1);
  EXPECT_EQ(probe.outcome.delivered, 2u);
  EXPECT_TRUE(probe.outcome.safe());
  tickets[1].settle(Settlement::kDelivered);
  EXPECT_EQ(probe.calls, 1);
}

TEST(AckTest, UnsettledTicketDestroyedSettlesAbandoned) {
  AckProbe probe;
  {
    auto tickets = make_ack_tickets(2, probe.callback());
    tickets[0].settle(Settlement::kDelivered);
  }
  EXPECT_EQ(probe.calls, 1);
  EXPECT_EQ(probe.outcome.delivered, 1u);
  EXPECT_EQ(probe.outcome.abandoned, 1u);
  EXPECT_FALSE(probe.outcome.safe());
}

TEST(AckTest, MoveAssignmentOverAPendingTicketAbandonsIt) {
  AckProbe first;
  AckProbe second;
  AckTicket a = testing::probe_ticket(first);
  AckTicket b = testing::probe_ticket(second);
  a = std::move(b);
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(first.outcome.abandoned, 1u);
  EXPECT_FALSE(first.outcome.safe());
  EXPECT_FALSE(b.pending());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  EXPECT_EQ(second.calls, 0);
  a.settle(Settlement::kDelivered);
  EXPECT_EQ(second.calls, 1);
  EXPECT_EQ(second.outcome.delivered, 1u);
  EXPECT_TRUE(second.outcome.safe());
}

TEST(AckTest, MovedFromTicketIsEmptyAndIgnoresSettle) {
  AckProbe probe;
  AckTicket a = testing::probe_ticket(probe);
  AckTicket b(std::move(a));
  EXPECT_FALSE(a.pending());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(b.pending());
  a.settle(Settlement::kAbandoned);
  EXPECT_EQ(probe.calls, 0);
  b.settle(Settlement::kDelivered);
  EXPECT_EQ(probe.calls, 1);
  EXPECT_TRUE(probe.outcome.safe());
}

TEST(AckTest, SelfMoveAssignmentKeepsTheTicket) {
  AckProbe probe;
  AckTicket a = testing::probe_ticket(probe);
  AckTicket& alias = a;
  a = std::move(alias);
  EXPECT_TRUE(a.pending());
  EXPECT_EQ(probe.calls, 0);
  a.settle(Settlement::kDelivered);
  EXPECT_EQ(probe.calls, 1);
}

TEST(AckTest, ZeroSharesRunsTheCallbackAtOnceAsSafe) {
  AckProbe probe;
  auto tickets = make_ack_tickets(0, probe.callback());
  EXPECT_TRUE(tickets.empty());
  EXPECT_EQ(probe.calls, 1);
  EXPECT_TRUE(probe.outcome.safe());
  EXPECT_EQ(probe.outcome.delivered + probe.outcome.durable + probe.outcome.dropped, 0u);
}

TEST(AckTest, DefaultTicketIgnoresSettle) {
  AckTicket t;
  EXPECT_FALSE(t.pending());
  t.settle(Settlement::kDelivered);
  EXPECT_FALSE(t.pending());
}

TEST(AckTest, CallbackMayDestroyTheSettlingTicket) {
  // The source's callback can reach back and drop the container holding the ticket.
  std::vector<AckTicket> holder;
  int calls = 0;
  holder = make_ack_tickets(1, [&](const AckOutcome&) {
    ++calls;
    holder.clear();
  });
  holder[0].settle(Settlement::kDelivered);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(holder.empty());
}

}  // namespace
}  // namespace vigil::core
