#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "collectors/tail/file_identity.h"
#include "collectors/tail/multiline.h"

namespace vigil::collectors::tail {

// A file's position as recorded with a batch: once that batch and every earlier one are safe,
// everything before `offset` is delivered (DESIGN.md section 4).
struct FileMark {
  std::uint64_t file_id = 0;
  std::uint64_t offset = 0;
  Fingerprint fingerprint;
  bool skipping = false;
};

// The reading state of one tracked file. A read job owns it while the job runs; otherwise the
// loop does (the collector never runs two jobs at once), so it needs no lock.
struct FileCursor {
  FileCursor(std::uint64_t file_id, FileIdentity file_identity, std::uint64_t offset)
      : id(file_id), identity(file_identity), read_offset(offset), committed_offset(offset) {}

  const std::uint64_t id;
  const FileIdentity identity;
  UniqueFd fd;
  // Next byte to read: the start of the first line not yet consumed. A partial last line is
  // read again next time rather than copied aside.
  std::uint64_t read_offset = 0;
  // Where a restart must resume: the end of the last line that is in an emitted record
  // (behind read_offset while a multiline event holds lines).
  std::uint64_t committed_offset = 0;
  // committed_offset lies inside a line cut by long_lines = "truncate" (resume by skipping).
  bool committed_skipping = false;
  Fingerprint fingerprint;
  // long_lines = "truncate": the rest of a cut line is being discarded up to its newline.
  bool skipping = false;
  // Size at the last look: bytes between read_offset and it are lost if the file is
  // truncated before they are read.
  std::uint64_t known_size = 0;
  std::unique_ptr<MultilineAssembler> multiline;
  // The last mark written into a batch, so unchanged positions are not noted again.
  std::uint64_t noted_offset = UINT64_MAX;
  bool noted_skipping = false;
};

}  // namespace vigil::collectors::tail
