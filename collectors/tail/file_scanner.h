#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collectors/tail/file_identity.h"
#include "collectors/tail/glob_pattern.h"

namespace vigil::collectors::tail {

struct FoundFile {
  std::string path;
  FileIdentity identity;
  std::uint64_t size = 0;
};

struct ScanResult {
  // Regular files matching a `paths` pattern and no `exclude` pattern, sorted by path; a file
  // reachable under several paths (hard or symbolic links) is listed once, by its first path.
  std::vector<FoundFile> files;
  // Every directory read: the ones to watch for changes.
  std::vector<std::string> directories;
  // Directories that exist but could not be read (permissions), for a warning.
  std::vector<std::string> errors;
};

// Walks the file system for `paths`, descending only into directories that can hold matches
// (GlobPattern states) and never into the same directory twice (symbolic link loops).
// Blocking: runs on the thread pool.
ScanResult scan_files(const std::vector<GlobPattern>& paths,
                      const std::vector<ExcludePattern>& exclude);

}  // namespace vigil::collectors::tail
