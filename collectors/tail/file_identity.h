#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "agent/core/unique_fd.h"

namespace vigil::collectors::tail {

using core::UniqueFd;

// FNV-1a (64 bit) of a file's first bytes, up to the configured fingerprint_size. It grows as
// the file does until it covers fingerprint_size bytes; the bytes it covers never change in a
// file that is only appended to, so a different hash over the same length means different
// content: a truncated and rewritten file, or another file that got a reused inode number.
struct Fingerprint {
  static constexpr std::uint64_t kEmptyHash = 0xcbf29ce484222325ULL;

  std::uint32_t length = 0;  // bytes covered
  std::uint64_t hash = kEmptyHash;

  // Feeds `bytes` found at file offset `offset` (the caller reads the file in order): only
  // the part that extends the covered prefix up to `limit` bytes is hashed.
  void update(std::uint64_t offset, std::string_view bytes, std::uint32_t limit);
  bool operator==(const Fingerprint&) const = default;
};

Fingerprint fingerprint_of(std::string_view prefix);

// The fingerprint of the first `length` bytes of the open file `fd`, read with pread;
// nullopt when the file is shorter than `length` or cannot be read.
std::optional<Fingerprint> read_fingerprint(int fd, std::uint32_t length);

// What identifies a file across reopens and restarts: device and inode, plus the fingerprint
// (inode numbers are reused as soon as a file is deleted).
struct FileIdentity {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  bool operator==(const FileIdentity&) const = default;
};

// Whether the open file `fd` still starts with the bytes `known` covers (a file shorter than
// that was truncated; one with other bytes there was rewritten or is another file).
bool fingerprint_matches(int fd, const Fingerprint& known);

}  // namespace vigil::collectors::tail
