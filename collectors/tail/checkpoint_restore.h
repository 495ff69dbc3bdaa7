#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "collectors/tail/checkpoint_store.h"
#include "collectors/tail/file_scanner.h"

namespace vigil::collectors::tail {

// Where a file found at start resumes, given the checkpoint of the previous run.
struct RestoredPosition {
  enum class Kind : std::uint8_t {
    kResume,    // the checkpoint knows this file: continue at `offset`
    kReplaced,  // its path was checkpointed for another file (rotated or recreated while
                // the agent was down): a new file, read from its beginning
    kNew,       // unknown: start_at decides
  };
  Kind kind = Kind::kNew;
  std::uint64_t offset = 0;
  Fingerprint fingerprint;
  bool skipping = false;
  bool truncated = false;  // resumed, but shorter than its offset: truncated while down
  bool moved = false;      // recognised by its fingerprint under another device/inode
};

// Reads the fingerprint of `file`'s first `length` bytes (nullopt: shorter, or unreadable,
// or no longer the file the scan found).
using FingerprintReader =
    std::function<std::optional<Fingerprint>(const FoundFile& file, std::uint32_t length)>;

// The identity rules (README.md), in order:
//  1. same device and inode, and the file still starts with the bytes the entry's fingerprint
//     covers: the same file; resume (from 0 if it is now shorter than the offset);
//  2. an entry whose fingerprint covers the full fingerprint_size bytes matches a file with
//     those first bytes under another inode (copied, or moved across file systems): resume;
//  3. a file at a path the checkpoint knew for another file: replaced while down, from 0;
//  4. otherwise new.
// Same device and inode with other first bytes is inode reuse: that entry matches nothing.
// Each entry is used at most once. One result per file, in `files` order.
std::vector<RestoredPosition> restore_positions(const std::vector<FoundFile>& files,
                                                const std::vector<CheckpointEntry>& entries,
                                                std::uint32_t fingerprint_size,
                                                const FingerprintReader& read);

// The FingerprintReader of the real file system: opens the path and checks it is still the
// device and inode found.
std::optional<Fingerprint> read_file_fingerprint(const FoundFile& file, std::uint32_t length);

}  // namespace vigil::collectors::tail
