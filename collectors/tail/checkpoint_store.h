#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "collectors/tail/file_identity.h"

namespace vigil::collectors::tail {

// One file's acknowledged position: everything before `offset` was delivered (or is durable)
// in every exporter that takes the collector's logs.
struct CheckpointEntry {
  std::string path;  // where the file was last seen (for "replaced while down")
  FileIdentity identity;
  Fingerprint fingerprint;  // of the file's first bytes when `offset` was reached
  std::uint64_t offset = 0;
  // max_line_size = "truncate" cut the line that `offset` is inside: skip to its end.
  bool skipping = false;
  bool operator==(const CheckpointEntry&) const = default;
};

// Every acknowledged position, as of one moment; `generation` grows with every change, so of
// two valid copies the newer is known.
struct Checkpoint {
  std::uint64_t generation = 0;
  std::vector<CheckpointEntry> entries;
  bool operator==(const Checkpoint&) const = default;
};

// The checkpoint file's format (little-endian):
//   "VIGILTCK" | u32 version (1) | u64 generation | u32 entry count |
//   per entry: u64 dev | u64 ino | u64 offset | u64 fingerprint hash | u32 fingerprint length |
//              u8 flags (bit 0: skipping) | u32 path length | path bytes |
//   u32 CRC-32 (zlib) of every byte before it
// A torn or foreign file fails the magic, the lengths or the CRC and is never half-applied.
inline constexpr std::string_view kCheckpointMagic = "VIGILTCK";
inline constexpr std::uint32_t kCheckpointVersion = 1;
inline constexpr std::uint32_t kMaxCheckpointPath = 4096;
inline constexpr std::uint32_t kMaxCheckpointEntries = 1'000'000;

std::string encode_checkpoint(std::uint64_t generation, std::span<const CheckpointEntry> entries);
// Errors say what is wrong ("not a vigil tail checkpoint", "truncated", "checksum mismatch").
core::Result<Checkpoint> decode_checkpoint(std::string_view bytes);

// Two copies are kept (README.md, "Checkpoints"):
//  - `path`, replaced atomically with fsync (write_checkpoint_file) off the loop, a few times a
//    second at most: what survives a power loss;
//  - `path`.ack, rewritten in place at every acknowledgement without fsync: the page cache
//    survives the process, so after a crash (SIGKILL, OOM) the restart resumes exactly after
//    the last acknowledged batch. A power loss may tear it; its CRC then rejects it and `path`
//    is used (older, so lines come again; none are lost).
inline std::string acknowledgement_path(const std::string& path) { return path + ".ack"; }

// What was found at start.
struct CheckpointLoad {
  enum class Status : std::uint8_t { kMissing, kLoaded, kInvalid };
  Status status = Status::kMissing;
  Checkpoint checkpoint;               // the valid copy with the higher generation
  bool from_acknowledgements = false;  // that copy was `path`.ack
  std::string problem;                 // kInvalid: why (and where the file was moved)
  std::string note;                    // an unusable `path`.ack (torn by a power loss), for the log
};

// Reads `path` and `path`.ack. An invalid `path` (torn, foreign, unreadable) is renamed to
// `path` + ".invalid", kept for inspection and not overwritten; with no valid copy at all that
// is kInvalid. An invalid `path`.ack is only noted: a power loss can tear it.
CheckpointLoad load_checkpoint(const std::string& path);

// The acknowledgement copy: one descriptor, rewritten in place with pwrite (and shortened with
// ftruncate) at every acknowledgement, never fsync'ed.
class AcknowledgementFile {
 public:
  static core::Result<AcknowledgementFile> open(const std::string& path);
  core::Result<void> write(std::string_view bytes);

 private:
  UniqueFd fd_;
  std::string path_;
  std::size_t size_ = 0;
};

// Replaces `path` atomically with `bytes`: write a temporary file beside it, fsync it, rename
// it over `path`, fsync the directory. A crash at any point leaves either the old or the new
// file. `temp_suffix` makes the temporary name unique per writer.
core::Result<void> write_checkpoint_file(const std::string& path, std::string_view bytes,
                                         std::string_view temp_suffix);

// mkdir -p with mode 0750 for each created level.
core::Result<void> make_directories(const std::string& path);

}  // namespace vigil::collectors::tail
