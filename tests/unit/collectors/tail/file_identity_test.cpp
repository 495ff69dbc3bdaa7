#include "collectors/tail/file_identity.h"

#include <fcntl.h>

#include <gtest/gtest.h>

#include "collectors/tail/checkpoint_restore.h"
#include "tests/unit/collectors/tail/tail_test_support.h"

namespace vigil::collectors::tail {
namespace {

using tail_testing::TempDir;

TEST(Fingerprint, GrowsWithTheFileUpToItsLimit) {
  Fingerprint fp;
  fp.update(0, "hello ", 8);
  EXPECT_EQ(fp.length, 6u);
  fp.update(6, "world", 8);  // only "wo" fits
  EXPECT_EQ(fp.length, 8u);
  EXPECT_EQ(fp, fingerprint_of("hello wo"));
  fp.update(8, "more", 8);  // full: unchanged
  EXPECT_EQ(fp, fingerprint_of("hello wo"));
}

TEST(Fingerprint, OverlappingAndGappedUpdates) {
  Fingerprint fp;
  fp.update(0, "abcd", 16);
  fp.update(2, "cdef", 16);  // overlaps what is covered: only "ef" is new
  EXPECT_EQ(fp, fingerprint_of("abcdef"));
  fp.update(10, "xyz", 16);  // a gap: cannot extend a prefix
  EXPECT_EQ(fp, fingerprint_of("abcdef"));
}

TEST(Fingerprint, DifferentPrefixesDiffer) {
  EXPECT_NE(fingerprint_of("2024-01-01 first line"), fingerprint_of("2024-01-02 first line"));
  EXPECT_NE(fingerprint_of("abc"), fingerprint_of("abcd"));  // length is part of it
  EXPECT_EQ(fingerprint_of(""), Fingerprint{});
}

TEST(Fingerprint, ReadFromAFile) {
  TempDir dir;
  const auto path = dir.file("a.log");
  tail_testing::write_file(path, "0123456789");
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(read_fingerprint(fd.get(), 4), fingerprint_of("0123"));
  EXPECT_EQ(read_fingerprint(fd.get(), 0), Fingerprint{});
  EXPECT_FALSE(read_fingerprint(fd.get(), 11).has_value());  // shorter than asked
  EXPECT_TRUE(fingerprint_matches(fd.get(), fingerprint_of("0123456789")));
  EXPECT_FALSE(fingerprint_matches(fd.get(), fingerprint_of("0123456780")));
}

// ---- Restoring positions at start (the identity rules) -------------------------------------

struct Disk {
  std::map<std::string, std::string> content;  // path -> bytes
  FingerprintReader reader() {
    return [this](const FoundFile& f, std::uint32_t length) -> std::optional<Fingerprint> {
      const std::string& bytes = content.at(f.path);
      if (bytes.size() < length) return std::nullopt;
      return fingerprint_of(std::string_view(bytes).substr(0, length));
    };
  }
  FoundFile found(const std::string& path, std::uint64_t ino) {
    return FoundFile{path, FileIdentity{1, ino}, content.at(path).size()};
  }
};

CheckpointEntry entry(std::string path, std::uint64_t ino, std::string_view prefix,
                      std::uint64_t offset) {
  return CheckpointEntry{std::move(path), FileIdentity{1, ino}, fingerprint_of(prefix), offset,
                         false};
}

TEST(RestorePositions, SameInodeAndFirstBytesResumes) {
  Disk disk;
  disk.content["/l/a.log"] = "line one\nline two\nline three\n";
  auto r = restore_positions({disk.found("/l/a.log", 7)}, {entry("/l/a.log", 7, "line one", 18)}, 8,
                             disk.reader());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kResume);
  EXPECT_EQ(r[0].offset, 18u);
  EXPECT_FALSE(r[0].moved);
}

TEST(RestorePositions, RenamedFileIsFoundByInode) {
  Disk disk;
  disk.content["/l/a.log.1"] = "old content\nmore\n";
  disk.content["/l/a.log"] = "new content\n";
  auto r = restore_positions({disk.found("/l/a.log", 9), disk.found("/l/a.log.1", 7)},
                             {entry("/l/a.log", 7, "old cont", 12)}, 8, disk.reader());
  EXPECT_EQ(r[1].kind, RestoredPosition::Kind::kResume);  // the old file, now a.log.1
  EXPECT_EQ(r[1].offset, 12u);
  // a.log holds another file than the checkpoint knew there: replaced while down.
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kReplaced);
  EXPECT_EQ(r[0].offset, 0u);
}

TEST(RestorePositions, ReusedInodeIsANewFile) {
  Disk disk;
  // Same device and inode as the checkpointed file, but other first bytes: the old file was
  // deleted and its inode number given to a new one.
  disk.content["/l/a.log"] = "different first line\n";
  auto r = restore_positions({disk.found("/l/a.log", 7)}, {entry("/l/a.log", 7, "old cont", 500)},
                             8, disk.reader());
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kReplaced);
  EXPECT_EQ(r[0].offset, 0u);
}

TEST(RestorePositions, ShorterThanItsOffsetWasTruncatedWhileDown) {
  Disk disk;
  disk.content["/l/a.log"] = "line one\n";
  auto r = restore_positions({disk.found("/l/a.log", 7)}, {entry("/l/a.log", 7, "line one", 900)},
                             8, disk.reader());
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kResume);
  EXPECT_TRUE(r[0].truncated);
  EXPECT_EQ(r[0].offset, 0u);
}

TEST(RestorePositions, FullFingerprintFindsACopyUnderAnotherInode) {
  Disk disk;
  disk.content["/l/a.log"] = "0123456789abcdef tail of the file\n";
  auto r = restore_positions({disk.found("/l/a.log", 55)}, {entry("/old/a.log", 7, "01234567", 20)},
                             8, disk.reader());
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kResume);
  EXPECT_TRUE(r[0].moved);
  EXPECT_EQ(r[0].offset, 20u);
  // A partial fingerprint is too weak to match across inodes.
  auto weak = restore_positions({disk.found("/l/a.log", 55)}, {entry("/old/a.log", 7, "0123", 4)},
                                8, disk.reader());
  EXPECT_EQ(weak[0].kind, RestoredPosition::Kind::kNew);
}

TEST(RestorePositions, EachEntryIsUsedOnce) {
  Disk disk;
  disk.content["/l/a.log"] = "01234567 one\n";
  disk.content["/l/b.log"] = "01234567 two\n";  // same first 8 bytes
  auto r = restore_positions({disk.found("/l/a.log", 1), disk.found("/l/b.log", 2)},
                             {entry("/x.log", 3, "01234567", 5)}, 8, disk.reader());
  const int resumed = (r[0].kind == RestoredPosition::Kind::kResume) +
                      (r[1].kind == RestoredPosition::Kind::kResume);
  EXPECT_EQ(resumed, 1);
}

TEST(RestorePositions, UnknownFilesAreNew) {
  Disk disk;
  disk.content["/l/new.log"] = "x\n";
  auto r = restore_positions({disk.found("/l/new.log", 4)}, {}, 8, disk.reader());
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kNew);
}

TEST(RestorePositions, RealFilesThroughTheDefaultReader) {
  TempDir dir;
  const auto path = dir.file("a.log");
  tail_testing::write_file(path, "first line\nsecond line\n");
  const auto st = tail_testing::stat_of(path);
  FoundFile found{path, FileIdentity{st.dev, st.ino}, st.size};
  CheckpointEntry known{path, found.identity, fingerprint_of("first line\nseco"), 11, false};
  auto r = restore_positions({found}, {known}, 15, &read_file_fingerprint);
  EXPECT_EQ(r[0].kind, RestoredPosition::Kind::kResume);
  EXPECT_EQ(r[0].offset, 11u);
  // The same path, recreated: a new inode with other content (created before the old one goes,
  // so no filesystem can hand it the old inode number).
  const auto next = dir.file("next");
  tail_testing::write_file(next, "another file\n");
  ASSERT_EQ(::rename(next.c_str(), path.c_str()), 0);
  const auto st2 = tail_testing::stat_of(path);
  FoundFile again{path, FileIdentity{st2.dev, st2.ino}, st2.size};
  auto r2 = restore_positions({again}, {known}, 15, &read_file_fingerprint);
  EXPECT_EQ(r2[0].kind, RestoredPosition::Kind::kReplaced);
}

}  // namespace
}  // namespace vigil::collectors::tail
