#include "collectors/tail/ack_tracker.h"

#include <gtest/gtest.h>

namespace vigil::collectors::tail {
namespace {

struct Committed {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> marks;  // (file, offset) in order
  AckTracker tracker{[this](const FileMark& m) { marks.emplace_back(m.file_id, m.offset); }};
};

FileMark mark(std::uint64_t file, std::uint64_t offset) {
  return FileMark{file, offset, {}, false};
}

TEST(AckTracker, CommitsInOfferOrderWhateverTheSettlementOrder) {
  Committed c;
  const auto a = c.tracker.add({mark(1, 10)});
  const auto b = c.tracker.add({mark(1, 20), mark(2, 5)});
  const auto d = c.tracker.add({mark(2, 9)});
  c.tracker.settle(d, true);
  c.tracker.settle(b, true);
  EXPECT_TRUE(c.marks.empty());  // the first batch is not settled yet
  EXPECT_TRUE(c.tracker.references(1));
  c.tracker.settle(a, true);
  EXPECT_EQ(c.marks, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                         {1, 10}, {1, 20}, {2, 5}, {2, 9}}));
  EXPECT_EQ(c.tracker.pending(), 0u);
  EXPECT_FALSE(c.tracker.references(1));
  EXPECT_FALSE(c.tracker.references(2));
}

TEST(AckTracker, AnUnsafeBatchStopsEverythingAfterIt) {
  Committed c;
  const auto a = c.tracker.add({mark(1, 10)});
  const auto b = c.tracker.add({mark(1, 20)});
  const auto d = c.tracker.add({mark(1, 30)});
  c.tracker.settle(a, true);
  c.tracker.settle(b, false);  // abandoned at shutdown
  c.tracker.settle(d, true);
  EXPECT_EQ(c.marks, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 10}}));
  EXPECT_TRUE(c.tracker.stalled());
  const auto e = c.tracker.add({mark(1, 40)});
  c.tracker.settle(e, true);
  EXPECT_EQ(c.marks.size(), 1u);
}

TEST(AckTracker, CancelLastGivesTheMarksBack) {
  Committed c;
  const auto a = c.tracker.add({mark(3, 1)});
  c.tracker.add({mark(3, 2)});
  auto marks = c.tracker.cancel_last();  // the router refused it
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].offset, 2u);
  const auto again = c.tracker.add(std::move(marks));
  EXPECT_EQ(again, a + 1);
  c.tracker.settle(again, true);
  c.tracker.settle(a, true);
  EXPECT_EQ(c.marks.back().second, 2u);
}

TEST(AckTracker, SettlingTwiceOrUnknownIsIgnored) {
  Committed c;
  const auto a = c.tracker.add({mark(1, 1)});
  c.tracker.settle(a, true);
  c.tracker.settle(a, false);
  c.tracker.settle(99, false);
  EXPECT_FALSE(c.tracker.stalled());
  EXPECT_EQ(c.marks.size(), 1u);
}

}  // namespace
}  // namespace vigil::collectors::tail
