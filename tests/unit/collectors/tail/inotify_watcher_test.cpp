#include "collectors/tail/inotify_watcher.h"

#include <sys/inotify.h>

#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/collectors/tail/tail_test_support.h"

namespace vigil::collectors::tail {
namespace {

std::string event_bytes(int wd, std::uint32_t mask, std::string_view name, std::size_t pad = 16) {
  struct inotify_event header {};
  header.wd = wd;
  header.mask = mask;
  header.len = name.empty() ? 0 : static_cast<std::uint32_t>(pad);
  std::string out(sizeof header + header.len, '\0');
  std::memcpy(out.data(), &header, sizeof header);
  std::memcpy(out.data() + sizeof header, name.data(), name.size());
  return out;
}

TEST(DecodeInotifyEvents, WholeEventsWithPaddedNames) {
  const std::string bytes = event_bytes(3, IN_MODIFY, "app.log") +
                            event_bytes(4, IN_CREATE, "b.log") + event_bytes(-1, IN_Q_OVERFLOW, "");
  auto events = decode_inotify_events(bytes);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].wd, 3);
  EXPECT_EQ(events[0].mask, static_cast<std::uint32_t>(IN_MODIFY));
  EXPECT_EQ(events[0].name, "app.log");
  EXPECT_EQ(events[1].name, "b.log");
  EXPECT_EQ(events[2].mask, static_cast<std::uint32_t>(IN_Q_OVERFLOW));
  EXPECT_TRUE(events[2].name.empty());
  // A truncated trailing event is ignored, never read past.
  auto partial = decode_inotify_events(std::string_view(bytes).substr(0, bytes.size() - 3));
  EXPECT_EQ(partial.size(), 2u);
  EXPECT_TRUE(decode_inotify_events("").empty());
}

TEST(InotifyWatcher, ReportsEventsOfWatchedDirectoriesAndOverflows) {
  tail_testing::TempDir dir;
  std::vector<std::string> seen;
  int overflows = 0;
  auto watcher = InotifyWatcher::create(
      nullptr, {[&](const std::string& d, std::string_view name, std::uint32_t) {
                  seen.push_back(d + "/" + std::string(name));
                },
                [&] { ++overflows; }});
  ASSERT_TRUE(watcher.has_value()) << watcher.error().message;
  ASSERT_TRUE((*watcher)->watch(dir.path()).has_value());
  ASSERT_TRUE((*watcher)->watch(dir.path()).has_value());  // idempotent
  EXPECT_EQ((*watcher)->size(), 1u);
  EXPECT_FALSE((*watcher)->watch(dir.file("missing")).has_value());

  // Injected events: the one for an unknown watch descriptor is dropped.
  (*watcher)->handle(event_bytes(12345, IN_MODIFY, "x.log"));
  EXPECT_TRUE(seen.empty());
  (*watcher)->handle(event_bytes(-1, IN_Q_OVERFLOW, ""));
  EXPECT_EQ(overflows, 1);

  (*watcher)->retain({});
  EXPECT_EQ((*watcher)->size(), 0u);
}

TEST(InotifyWatcher, WatchMaskCoversWhatRotationNeeds) {
  const std::uint32_t mask = InotifyWatcher::watch_mask();
  for (std::uint32_t needed : {IN_MODIFY, IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO}) {
    EXPECT_NE(mask & needed, 0u) << needed;
  }
}

}  // namespace
}  // namespace vigil::collectors::tail
