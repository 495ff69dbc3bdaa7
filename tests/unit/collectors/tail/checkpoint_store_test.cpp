#include "collectors/tail/checkpoint_store.h"

#include <sys/stat.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/collectors/tail/tail_test_support.h"

namespace vigil::collectors::tail {
namespace {

using tail_testing::TempDir;

std::vector<CheckpointEntry> sample() {
  return {
      CheckpointEntry{"/var/log/app.log", FileIdentity{2049, 131}, fingerprint_of("2024 first"),
                      123456, false},
      CheckpointEntry{"/var/log/caf\xC3\xA9.log", FileIdentity{2049, 7},
                      fingerprint_of(std::string(1024, 'x')), 1ull << 40, true},
      CheckpointEntry{"/empty", FileIdentity{0, 1}, Fingerprint{}, 0, false},
  };
}

TEST(CheckpointCodec, RoundTrips) {
  const auto entries = sample();
  auto decoded = decode_checkpoint(encode_checkpoint(7, entries));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(decoded->generation, 7u);
  EXPECT_EQ(decoded->entries, entries);
  auto none = decode_checkpoint(encode_checkpoint(1, {}));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->entries.empty());
}

TEST(CheckpointCodec, EveryTornPrefixIsRejected) {
  const std::string bytes = encode_checkpoint(7, sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_checkpoint(std::string_view(bytes).substr(0, n)).has_value()) << n;
  }
}

TEST(CheckpointCodec, EveryFlippedBitIsRejected) {
  const std::string bytes = encode_checkpoint(7, sample());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      EXPECT_FALSE(decode_checkpoint(damaged).has_value()) << i << ":" << bit;
    }
  }
}

TEST(CheckpointCodec, ForeignFilesAreRejectedWithAReason) {
  auto json = decode_checkpoint(R"({"checkpoints": []})");
  ASSERT_FALSE(json.has_value());
  EXPECT_NE(json.error().message.find("not a vigil tail checkpoint"), std::string::npos);
  EXPECT_FALSE(decode_checkpoint("").has_value());
  EXPECT_FALSE(decode_checkpoint("VIGILTCK").has_value());
  std::string appended = encode_checkpoint(7, sample()) + "x";
  EXPECT_FALSE(decode_checkpoint(appended).has_value());
}

TEST(CheckpointCodec, ANewerVersionIsNamed) {
  std::string bytes = encode_checkpoint(1, {});
  // Rewrite the version and its CRC, as a newer agent would have written the file.
  std::string body = bytes.substr(0, bytes.size() - 4);
  body[8] = 2;
  const auto crc = static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0),
                                                      reinterpret_cast<const Bytef*>(body.data()),
                                                      static_cast<uInt>(body.size())));
  for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  auto result = decode_checkpoint(body);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message, "unsupported checkpoint version 2");
}

TEST(CheckpointFile, MissingFileIsAFirstRun) {
  TempDir dir;
  const CheckpointLoad load = load_checkpoint(dir.file("tail.checkpoint"));
  EXPECT_EQ(load.status, CheckpointLoad::Status::kMissing);
  EXPECT_TRUE(load.checkpoint.entries.empty());
}

TEST(CheckpointFile, WritesAtomicallyAndLoads) {
  TempDir dir;
  const auto path = dir.file("tail.checkpoint");
  ASSERT_TRUE(write_checkpoint_file(path, encode_checkpoint(7, sample()), "t1").has_value());
  const CheckpointLoad load = load_checkpoint(path);
  ASSERT_EQ(load.status, CheckpointLoad::Status::kLoaded) << load.problem;
  EXPECT_EQ(load.checkpoint.entries, sample());
  EXPECT_FALSE(load.from_acknowledgements);
  // Overwritten in place by rename: no temporary file is left behind.
  ASSERT_TRUE(write_checkpoint_file(path, encode_checkpoint(1, {}), "t1").has_value());
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
  EXPECT_TRUE(load_checkpoint(path).checkpoint.entries.empty());
}

TEST(CheckpointFile, TornFileIsMovedAsideAndReported) {
  TempDir dir;
  const auto path = dir.file("tail.checkpoint");
  const std::string bytes = encode_checkpoint(7, sample());
  tail_testing::write_file(path, bytes.substr(0, bytes.size() / 2));
  const CheckpointLoad load = load_checkpoint(path);
  EXPECT_EQ(load.status, CheckpointLoad::Status::kInvalid);
  EXPECT_NE(load.problem.find(path), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(path + ".invalid"));
  EXPECT_FALSE(std::filesystem::exists(path));
  // The next load finds nothing: a first run, and the damaged file kept for inspection.
  EXPECT_EQ(load_checkpoint(path).status, CheckpointLoad::Status::kMissing);
}

TEST(CheckpointFile, ForeignFileIsMovedAside) {
  TempDir dir;
  const auto path = dir.file("tail.checkpoint");
  tail_testing::write_file(path, "# some other program's state\n");
  const CheckpointLoad load = load_checkpoint(path);
  EXPECT_EQ(load.status, CheckpointLoad::Status::kInvalid);
  EXPECT_NE(load.problem.find("not a vigil tail checkpoint"), std::string::npos);
  EXPECT_EQ(tail_testing::read_file(path + ".invalid"), "# some other program's state\n");
}

TEST(CheckpointFile, TheNewerValidCopyWins) {
  TempDir dir;
  const auto path = dir.file("tail.checkpoint");
  auto entries = sample();
  ASSERT_TRUE(write_checkpoint_file(path, encode_checkpoint(5, entries), "t").has_value());
  // Acknowledgements after the last durable write: the acknowledgement copy is newer.
  entries[0].offset += 1000;
  auto ack = AcknowledgementFile::open(acknowledgement_path(path));
  ASSERT_TRUE(ack.has_value());
  ASSERT_TRUE(ack->write(encode_checkpoint(9, entries)).has_value());
  CheckpointLoad load = load_checkpoint(path);
  ASSERT_EQ(load.status, CheckpointLoad::Status::kLoaded);
  EXPECT_TRUE(load.from_acknowledgements);
  EXPECT_EQ(load.checkpoint.generation, 9u);
  EXPECT_EQ(load.checkpoint.entries[0].offset, 123456u + 1000u);
  // A shorter rewrite leaves no stale bytes behind.
  ASSERT_TRUE(ack->write(encode_checkpoint(10, {})).has_value());
  load = load_checkpoint(path);
  EXPECT_EQ(load.checkpoint.generation, 10u);
  EXPECT_TRUE(load.checkpoint.entries.empty());
  // An older acknowledgement copy (the durable one caught up) loses.
  ASSERT_TRUE(write_checkpoint_file(path, encode_checkpoint(11, sample()), "t").has_value());
  load = load_checkpoint(path);
  EXPECT_FALSE(load.from_acknowledgements);
  EXPECT_EQ(load.checkpoint.generation, 11u);
}

TEST(CheckpointFile, TornAcknowledgementCopyFallsBackToTheDurableOne) {
  TempDir dir;
  const auto path = dir.file("tail.checkpoint");
  ASSERT_TRUE(write_checkpoint_file(path, encode_checkpoint(5, sample()), "t").has_value());
  const std::string newer = encode_checkpoint(6, {});
  tail_testing::write_file(acknowledgement_path(path), newer.substr(0, newer.size() - 3));
  CheckpointLoad load = load_checkpoint(path);
  ASSERT_EQ(load.status, CheckpointLoad::Status::kLoaded);
  EXPECT_FALSE(load.from_acknowledgements);
  EXPECT_EQ(load.checkpoint.generation, 5u);
  EXPECT_NE(load.note.find(".ack"), std::string::npos);
  // Only the acknowledgement copy: used alone.
  TempDir other;
  const auto only = other.file("tail.checkpoint");
  tail_testing::write_file(acknowledgement_path(only), encode_checkpoint(3, sample()));
  load = load_checkpoint(only);
  EXPECT_EQ(load.status, CheckpointLoad::Status::kLoaded);
  EXPECT_TRUE(load.from_acknowledgements);
}

TEST(CheckpointFile, WriteFailuresAreErrors) {
  TempDir dir;
  auto missing_dir = write_checkpoint_file(dir.file("no/such/dir/x"), "bytes", "t");
  ASSERT_FALSE(missing_dir.has_value());
  EXPECT_NE(missing_dir.error().message.find("create"), std::string::npos);
}

TEST(CheckpointFile, MakeDirectoriesCreatesEveryLevel) {
  TempDir dir;
  ASSERT_TRUE(make_directories(dir.file("a/b/c")).has_value());
  EXPECT_TRUE(std::filesystem::is_directory(dir.file("a/b/c")));
  ASSERT_TRUE(make_directories(dir.file("a/b/c")).has_value());  // exists: fine
  tail_testing::write_file(dir.file("f"), "");
  EXPECT_FALSE(make_directories(dir.file("f")).has_value());
  EXPECT_FALSE(make_directories("relative").has_value());
}

}  // namespace
}  // namespace vigil::collectors::tail
