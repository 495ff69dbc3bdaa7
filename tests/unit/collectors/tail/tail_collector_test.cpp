#include "collectors/tail/tail_collector.h"

#include <gtest/gtest.h>

#include "tests/unit/collectors/tail/collector_harness.h"

namespace vigil::collectors::tail {
namespace {

using namespace std::chrono_literals;
using tail_testing::append_file;
using tail_testing::CollectorHarness;
using tail_testing::write_file;
using Bodies = std::vector<std::string>;

std::string config_for(const CollectorHarness& h, std::string extra = {}) {
  return "paths = [\"" + h.logs + "/*.log\"]\nflush_interval = \"10ms\"\n" + extra;
}

TEST(TailCollector, ReadsFromTheBeginningAndFollowsNewLinesAndFiles) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "one\ntwo\n");
  h.start(config_for(h, "start_at = \"beginning\"\n"));
  auto lines = h.take_lines(2);
  ASSERT_EQ(CollectorHarness::bodies(lines), (Bodies{"one", "two"}));
  EXPECT_EQ(lines[0].path, a);
  append_file(a, "three\n");
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"three"}));
  // A file that appears later is read from its beginning, whatever start_at says.
  write_file(h.logs + "/b.log", "b1\nb2\n");
  lines = h.take_lines(2);
  ASSERT_EQ(CollectorHarness::bodies(lines), (Bodies{"b1", "b2"}));
  EXPECT_EQ(lines[1].path, h.logs + "/b.log");
  write_file(h.logs + "/c.txt", "not matched\n");
  h.run_for(100ms);
  EXPECT_TRUE(h.take().empty());
}

TEST(TailCollector, StartAtEndSkipsWhatIsThere) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "old\n");
  h.start(config_for(h));
  h.run_until([&] { return h.checkpoint_offset(a) == 4; });
  append_file(a, "new\n");
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"new"}));
}

TEST(TailCollector, CheckpointAdvancesOnlyOnAcknowledgementAndInOrder) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h, "batch_max_records = 1\n"));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 0; }));
  append_file(a, "first\n");
  ASSERT_TRUE(h.hold_batches(1));
  append_file(a, "second\n");
  ASSERT_TRUE(h.hold_batches(2));
  h.run_for(50ms);
  EXPECT_EQ(h.checkpoint_offset(a), 0u);  // nothing acknowledged yet
  // The second batch is delivered first: the checkpoint must not skip the first.
  h.settle(h.held()[1], core::Settlement::kDelivered);
  h.run_for(50ms);
  EXPECT_EQ(h.checkpoint_offset(a), 0u);
  h.settle(h.held()[0], core::Settlement::kDelivered);
  EXPECT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 13; }));
}

TEST(TailCollector, AnAbandonedBatchFreezesTheCheckpoint) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h, "batch_max_records = 1\n"));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 0; }));
  append_file(a, "x\n");
  ASSERT_TRUE(h.hold_batches(1));
  append_file(a, "y\n");
  ASSERT_TRUE(h.hold_batches(2));
  h.settle(h.held()[0], core::Settlement::kAbandoned);
  h.settle(h.held()[1], core::Settlement::kDelivered);
  h.run_for(50ms);
  EXPECT_EQ(h.checkpoint_offset(a), 0u);
  EXPECT_TRUE(h.logged("not delivered before its exporter stopped"));
}

TEST(TailCollector, RestartResumesAtTheAcknowledgedOffset) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "1\n2\n3\n");
  h.start(config_for(h, "start_at = \"beginning\"\n"));
  EXPECT_EQ(h.take_lines(3).size(), 3u);
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 6; }));
  h.stop();
  h.collector.reset();
  append_file(a, "4\n5\n");
  h.start(config_for(h, "start_at = \"beginning\"\n"));
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(2)), (Bodies{"4", "5"}));
  h.run_for(100ms);
  EXPECT_TRUE(h.take().empty());  // nothing read twice
}

TEST(TailCollector, UnacknowledgedLinesAreReadAgainAfterARestart) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "1\n2\n");
  h.start(config_for(h, "start_at = \"beginning\"\n"));
  ASSERT_TRUE(h.hold_batches(1));
  h.stop();
  h.collector.reset();
  h.held().clear();  // the exporter never delivered: tickets settle abandoned
  h.start(config_for(h, "start_at = \"beginning\"\n"));
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(2)), (Bodies{"1", "2"}));
}

TEST(TailCollector, FileReplacedWhileDownIsReadFromItsBeginning) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "old 1\nold 2\n");
  h.start(config_for(h, "start_at = \"end\"\n"));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 12; }));
  h.stop();
  h.collector.reset();
  // Rotated while the agent was down: renamed away, a new file in its place.
  ASSERT_EQ(::rename(a.c_str(), (a + ".1").c_str()), 0);
  write_file(a, "new 1\n");
  h.start(config_for(h, "start_at = \"end\"\n"));
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"new 1"}));
}

TEST(TailCollector, RenameAndCreateRotationKeepsReadingTheOldFile) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h, "rotate_wait = \"300ms\"\npoll_interval = \"20ms\"\n"));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 0; }));
  append_file(a, "before\n");
  EXPECT_EQ(h.take_lines(1).size(), 1u);
  // logrotate's default: rename, create; the writer still holds the old file for a while.
  ASSERT_EQ(::rename(a.c_str(), (h.logs + "/a.log.1").c_str()), 0);
  append_file(h.logs + "/a.log.1", "late to the old file\n");
  write_file(a, "fresh\n");
  auto lines = h.take_lines(2);
  ASSERT_EQ(lines.size(), 2u);
  std::set<std::string> got{lines[0].body, lines[1].body};
  EXPECT_EQ(got, (std::set<std::string>{"late to the old file", "fresh"}));
  EXPECT_TRUE(h.run_until([&] { return h.metric("vigil_tail_file_rotations_total") >= 1; }));
  // After rotate_wait the old file is closed and forgotten.
  EXPECT_TRUE(h.run_until([&] { return h.metric("vigil_tail_files_tracked") == 1; }, 5));
}

TEST(TailCollector, TruncatedFileIsReadAgainFromZero) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 0; }));
  append_file(a, "aaaaaaaaaa\nbbbbbbbbbb\n");
  EXPECT_EQ(h.take_lines(2).size(), 2u);
  ASSERT_EQ(::truncate(a.c_str(), 0), 0);
  append_file(a, "c\n");
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"c"}));
  EXPECT_EQ(h.metric("vigil_tail_file_truncations_total"), 1);
  EXPECT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 2; }));
}

TEST(TailCollector, DeletedFileIsReadToItsEndAndClosed) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h));
  ASSERT_TRUE(h.run_until([&] { return h.metric("vigil_tail_files_open") == 1; }));
  append_file(a, "x\nlast without newline");
  ASSERT_EQ(::unlink(a.c_str()), 0);
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(2)), (Bodies{"x", "last without newline"}));
  EXPECT_TRUE(h.run_until([&] { return h.metric("vigil_tail_files_open") == 0; }));
  EXPECT_TRUE(h.run_until([&] { return h.checkpoint().empty(); }));
}

TEST(TailCollector, InotifyOverflowRescansEverything) {
  CollectorHarness h;
  const std::string a = h.logs + "/a.log";
  write_file(a, "");
  h.start(config_for(h, "scan_interval = \"1h\"\n"));
  ASSERT_TRUE(h.run_until([&] { return h.checkpoint_offset(a) == 0; }));
  ASSERT_NE(h.collector->watcher(), nullptr);
  h.run_for(100ms);  // the scan that follows a new watch
  // Drop every watch: from here on the kernel reports nothing, as after lost events.
  h.collector->watcher()->retain({});
  append_file(a, "unseen\n");
  write_file(h.logs + "/b.log", "created unseen\n");
  h.run_for(100ms);
  EXPECT_TRUE(h.take().empty());
  // The kernel's overflow event.
  struct inotify_event overflow {};
  overflow.wd = -1;
  overflow.mask = IN_Q_OVERFLOW;
  h.collector->watcher()->handle(
      std::string_view(reinterpret_cast<const char*>(&overflow), sizeof overflow));
  auto lines = h.take_lines(2);
  std::set<std::string> got;
  for (const auto& l : lines) got.insert(l.body);
  EXPECT_EQ(got, (std::set<std::string>{"unseen", "created unseen"}));
  EXPECT_EQ(h.metric("vigil_tail_watch_overflows_total"), 1);
  EXPECT_EQ(h.collector->watcher()->size(), 1u);  // watched again after the rescan
}

TEST(TailCollector, PollingFindsFilesWithoutInotify) {
  CollectorHarness h;
  h.start(config_for(h, "watch = \"poll\"\npoll_interval = \"20ms\"\nscan_interval = \"100ms\"\n"));
  EXPECT_EQ(h.collector->watcher(), nullptr);
  write_file(h.logs + "/p.log", "p1\n");
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"p1"}));
  append_file(h.logs + "/p.log", "p2\n");
  EXPECT_EQ(CollectorHarness::bodies(h.take_lines(1)), (Bodies{"p2"}));
}

TEST(TailCollector, MaxOpenFilesClosesIdleFilesAndReopensThem) {
  CollectorHarness h;
  h.start(config_for(h, "max_open_files = 3\n"));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      append_file(h.logs + "/f" + std::to_string(i) + ".log", "r" + std::to_string(round) + "\n");
    }
    EXPECT_EQ(h.take_lines(10).size(), 10u) << round;
    EXPECT_LE(h.metric("vigil_tail_files_open"), 3);
  }
}

TEST(TailCollector, BackPressureStopsReadingUntilThereIsSpace) {
  CollectorHarness h(/*queue_bytes=*/16 * 1024);
  const std::string a = h.logs + "/a.log";
  std::string big;
  for (int i = 0; i < 2000; ++i)
    big += "line " + std::to_string(i) + " " + std::string(80, 'z') + "\n";
  write_file(a, big);
  // Jobs of 4 x 4 KiB: far less than the file.
  h.start(config_for(h,
                     "start_at = \"beginning\"\nbatch_max_bytes = \"8KiB\"\n"
                     "read_buffer_size = \"4KiB\"\nmax_line_size = \"1KiB\"\n"));
  // Hold what the queue takes: it fills, the router refuses, the collector stops reading.
  h.run_for(300ms);
  h.take(/*hold=*/true);
  const double read_while_blocked = h.metric("vigil_tail_read_bytes_total");
  h.run_for(200ms);
  EXPECT_EQ(h.metric("vigil_tail_read_bytes_total"), read_while_blocked);
  EXPECT_LT(read_while_blocked, static_cast<double>(big.size()));
  for (auto& entry : h.held()) h.settle(entry, core::Settlement::kDelivered);
  h.held().clear();
  std::size_t total = 0;
  h.run_until([&] {
    for (auto& e : h.take(true)) (void)e, ++total;
    for (auto& entry : h.held()) h.settle(entry, core::Settlement::kDelivered);
    h.held().clear();
    return h.metric("vigil_tail_lines_total") >= 2000;
  });
  EXPECT_EQ(h.metric("vigil_tail_lines_total"), 2000);
}

}  // namespace
}  // namespace vigil::collectors::tail
