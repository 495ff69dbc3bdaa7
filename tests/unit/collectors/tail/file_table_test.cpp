#include "collectors/tail/file_table.h"

#include <gtest/gtest.h>

namespace vigil::collectors::tail {
namespace {

using namespace std::chrono_literals;

FoundFile found(std::string path, std::uint64_t ino, std::uint64_t size = 100) {
  return FoundFile{std::move(path), FileIdentity{1, ino}, size};
}

ScanResult scan(std::vector<FoundFile> files) {
  ScanResult r;
  r.files = std::move(files);
  return r;
}

struct Table {
  std::shared_ptr<TailConfig> config = std::make_shared<TailConfig>();
  std::unique_ptr<FileTable> table;
  core::MonoTime now{1s};
  Table() { table = std::make_unique<FileTable>(config); }
  TrackedFile& at(std::string_view path) {
    TrackedFile* f = table->find_path(path);
    EXPECT_NE(f, nullptr) << path;
    return *f;
  }
};

TEST(FileTable, FirstScanAppliesStartAtAndRestoredPositions) {
  Table t;
  std::vector<RestoredPosition> restore(3);
  restore[0].kind = RestoredPosition::Kind::kNew;
  restore[1].kind = RestoredPosition::Kind::kResume;
  restore[1].offset = 42;
  restore[2].kind = RestoredPosition::Kind::kReplaced;
  auto changes = t.table->apply_scan(scan({found("/l/a", 1), found("/l/b", 2), found("/l/c", 3)}),
                                     t.now, &restore);
  EXPECT_EQ(changes.added.size(), 3u);
  EXPECT_EQ(changes.replaced_while_down, 1u);
  EXPECT_EQ(t.at("/l/a").cursor->read_offset, 100u);  // start_at = end
  EXPECT_EQ(t.at("/l/b").cursor->read_offset, 42u);
  EXPECT_EQ(t.at("/l/c").cursor->read_offset, 0u);
  // Later scans: a new file starts at its beginning.
  changes = t.table->apply_scan(
      scan({found("/l/a", 1), found("/l/b", 2), found("/l/c", 3), found("/l/d", 4)}), t.now,
      nullptr);
  ASSERT_EQ(changes.added.size(), 1u);
  EXPECT_EQ(t.at("/l/d").cursor->read_offset, 0u);
}

TEST(FileTable, RenameWithinThePatternsIsTheSameFile) {
  Table t;
  t.table->apply_scan(scan({found("/l/app.log", 7)}), t.now, nullptr);
  const std::uint64_t id = t.at("/l/app.log").id;
  t.at("/l/app.log").open = true;
  // app.log -> app.log.1, a new app.log.
  auto changes =
      t.table->apply_scan(scan({found("/l/app.log", 8), found("/l/app.log.1", 7)}), t.now, nullptr);
  EXPECT_EQ(changes.renamed, std::vector<std::uint64_t>{id});
  EXPECT_TRUE(changes.rotated.empty());
  EXPECT_EQ(t.at("/l/app.log.1").id, id);
  EXPECT_NE(t.at("/l/app.log").id, id);
  EXPECT_EQ(t.at("/l/app.log").cursor->read_offset, 0u);
  // The new path is in the labels of its records.
  EXPECT_NE(t.at("/l/app.log.1").labels->find("/l/app.log.1"), std::string::npos);
}

TEST(FileTable, RenamedAwayOrDeletedOpenFilesRotateClosedOnesAreDropped) {
  Table t;
  t.table->apply_scan(scan({found("/l/a", 1), found("/l/b", 2)}), t.now, nullptr);
  TrackedFile& a = t.at("/l/a");
  a.open = true;
  const std::uint64_t b = t.at("/l/b").id;
  auto changes = t.table->apply_scan(scan({}), t.now, nullptr);
  EXPECT_EQ(changes.rotated, std::vector<std::uint64_t>{a.id});
  EXPECT_EQ(changes.dropped, std::vector<std::uint64_t>{b});
  EXPECT_EQ(a.state, TrackedFile::State::kRotated);
  EXPECT_EQ(t.table->find(b)->state, TrackedFile::State::kRetired);
  EXPECT_EQ(t.table->find_path("/l/a"), nullptr);
  // The rotated file shows up again under a matching name: active again.
  t.table->apply_scan(scan({found("/l/a.1", 1)}), t.now, nullptr);
  EXPECT_EQ(a.state, TrackedFile::State::kActive);
  EXPECT_EQ(a.path, "/l/a.1");
}

TEST(FileTable, EvictsTheLeastRecentlyActiveIdleFiles) {
  Table t;
  t.config->max_open_files = 3;
  t.table->apply_scan(scan({found("/l/a", 1), found("/l/b", 2), found("/l/c", 3)}), t.now, nullptr);
  int k = 0;
  for (const char* p : {"/l/b", "/l/a", "/l/c"}) {
    TrackedFile& f = t.at(p);
    f.open = true;
    f.last_active = core::MonoTime{std::chrono::seconds(10 + k++)};
  }
  EXPECT_TRUE(t.table->eviction_candidates(0).empty());
  auto one = t.table->eviction_candidates(1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]->path, "/l/b");
  // Queued, rotated and multiline-holding files are spared.
  t.at("/l/b").queued = true;
  t.at("/l/a").multiline_deadline = core::MonoTime{1s};
  auto spared = t.table->eviction_candidates(2);
  ASSERT_EQ(spared.size(), 1u);
  EXPECT_EQ(spared[0]->path, "/l/c");
}

}  // namespace
}  // namespace vigil::collectors::tail
