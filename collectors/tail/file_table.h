#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/core/clock.h"
#include "collectors/tail/checkpoint_restore.h"
#include "collectors/tail/file_cursor.h"
#include "collectors/tail/file_scanner.h"
#include "collectors/tail/tail_config.h"

namespace vigil::collectors::tail {

// One file the collector follows, as the loop sees it. Its reading state is `cursor`.
struct TrackedFile {
  enum class State : std::uint8_t {
    kActive,   // its path matches `paths` and names this file
    kRotated,  // renamed away or deleted: read to the end, then closed (after rotate_wait)
    kRetired,  // closed for good; kept until no unacknowledged batch refers to it
  };
  std::uint64_t id = 0;
  std::string path;
  FileIdentity identity;
  std::shared_ptr<FileCursor> cursor;
  std::shared_ptr<const std::string> labels;  // encoded log.file.* and configured attributes
  State state = State::kActive;
  bool open = false;       // the cursor holds a descriptor
  bool queued = false;     // waiting in the collector's read queue
  bool in_job = false;     // handed to the read job under way
  bool finishing = false;  // its next read is the last: then it is closed
  bool deleted = false;    // no links left
  bool multiline_due = false;
  core::MonoTime rotated_at{};
  core::MonoTime last_active{};
  std::optional<core::MonoTime> multiline_deadline;
};

// What a scan changed.
struct ScanChanges {
  std::vector<std::uint64_t> added;    // new files (read them)
  std::vector<std::uint64_t> renamed;  // same file, new path
  std::vector<std::uint64_t> rotated;  // path gone or taken by another file: keep reading
  std::vector<std::uint64_t> dropped;  // closed files whose path is gone: retired
  std::uint64_t truncated_while_down = 0;
  std::uint64_t replaced_while_down = 0;
};

// The tracked files, indexed by id, by path (active files) and by device/inode; applies scans
// with the identity and rotation rules (README.md). Pure bookkeeping, loop thread only: it
// never touches a cursor's descriptor, so it can run while a read job holds cursors.
class FileTable {
 public:
  explicit FileTable(std::shared_ptr<const TailConfig> config);

  // `restore`: at the first scan, the positions of the previous run (one per scanned file);
  // null afterwards, when every new file is read from its beginning.
  ScanChanges apply_scan(const ScanResult& scan, core::MonoTime now,
                         const std::vector<RestoredPosition>* restore);

  TrackedFile* find(std::uint64_t id);
  TrackedFile* find_path(std::string_view path);
  void mark_rotated(TrackedFile& file, core::MonoTime now);
  // Out of the indexes; state kRetired. The caller closes its cursor.
  void retire(TrackedFile& file);
  void erase(std::uint64_t id);

  // Open, active, idle files to close so that `needed` more can open within max_open_files,
  // least recently active first; queued files (about to be read) are spared.
  std::vector<TrackedFile*> eviction_candidates(std::size_t needed);
  std::size_t open_count() const;

  std::map<std::uint64_t, std::unique_ptr<TrackedFile>>& files() { return files_; }
  const std::map<std::uint64_t, std::unique_ptr<TrackedFile>>& files() const { return files_; }

 private:
  TrackedFile& add(const std::string& path, FileIdentity identity, std::uint64_t offset,
                   const Fingerprint& fingerprint, bool skipping, core::MonoTime now);
  void set_path(TrackedFile& file, const std::string& path);
  std::shared_ptr<const std::string> labels_for(const std::string& path) const;

  std::shared_ptr<const TailConfig> config_;
  std::string configured_attributes_;  // encoded once
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<TrackedFile>> files_;
  std::unordered_map<std::string, std::uint64_t> by_path_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> by_identity_;
};

}  // namespace vigil::collectors::tail
