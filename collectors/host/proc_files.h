#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/unique_fd.h"

// Reads the files the scrapers parse, every path under an injected root (`root_path`: "/" on
// the host, "/host" in a container that mounts the host's file system there, a fixture tree in
// tests).
//
// Opening and closing a /proc file costs about as much as reading it, so the descriptors of
// files on procfs, sysfs and cgroup2 are kept open and re-read from offset 0, where the kernel
// generates their content anew. Files on other file systems (fixture trees) are opened at
// every read, so a test that replaces one sees the new content.
namespace vigil::collectors::host {

class ProcFiles {
 public:
  // `root` is used as given, without a trailing '/' ("/" becomes "").
  explicit ProcFiles(std::string_view root);

  // Reads the whole of <root><path> (path starts with '/') into `buffer`, replacing its
  // content. Returns 0 or the errno of the failed open or read. A kept descriptor whose read
  // fails (ENODEV, ESTALE, a cgroup that went away) is closed and the file opened once more,
  // so the error returned is the one a fresh open and read gives. Reuses the buffer's capacity,
  // its own path buffer and kept descriptors, so reading files no larger than before allocates
  // nothing.
  int read(std::string_view path, std::string& buffer);

  // As read(), but never keeps the descriptor: for files read once.
  int read_once(std::string_view path, std::string& buffer);

  // For a mount table (<root>/proc/<pid>/mountinfo): whether it may differ from what read()
  // last returned. False only when its descriptor is kept on procfs and poll() reports no
  // POLLPRI/POLLERR on it, which is how the kernel signals a change of the mount namespace
  // (proc_pid_mountinfo(5)); that poll consumes the notice, so the caller must re-read after a
  // true answer. True for a file that is not kept open (fixture trees, not read yet). Other
  // /proc files do not signal changes: do not ask about them.
  bool mount_table_changed(std::string_view path);

  // Whether <root><path> exists (access(F_OK)).
  bool exists(std::string_view path);

  // <root><path>, in a buffer reused by the next call.
  const std::string& full_path(std::string_view path);

  const std::string& root() const { return root_; }

  // How many descriptors are kept open.
  std::size_t kept_open() const { return kept_.size(); }

 private:
  struct KeptFile {
    std::string path;  // as given to read(), without the root
    core::UniqueFd fd;
    bool procfs = false;  // else sysfs or cgroup2
  };

  int open_and_read(std::string_view path, std::string& buffer, bool keep);
  KeptFile* find_kept(std::string_view path);

  std::string root_;
  std::string path_;
  std::vector<KeptFile> kept_;
};

}  // namespace vigil::collectors::host
