#include "collectors/host/proc_files.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vigil::collectors::host {

namespace {

constexpr std::size_t kInitialReadSize = 4096;

// Reads the whole of `fd` from offset 0 into `buffer` (cleared on error). pread at offset 0
// makes a seq_file (procfs, sysfs, cgroupfs) generate its content anew, so a kept descriptor
// reads fresh figures without being reopened.
int read_whole(int fd, std::string& buffer) {
  buffer.clear();
  // /proc files report size 0, so read until EOF, doubling the buffer when it fills up. The
  // kernel generates a seq_file per read call: a large buffer gets the file in one call.
  std::size_t used = 0;
  for (;;) {
    if (used == buffer.capacity() || buffer.capacity() < kInitialReadSize) {
      buffer.reserve(std::max(kInitialReadSize, buffer.capacity() * 2));
    }
    ssize_t n = 0;
    buffer.resize_and_overwrite(buffer.capacity(), [&](char* data, std::size_t size) {
      n = ::pread(fd, data + used, size - used, static_cast<off_t>(used));
      return used + static_cast<std::size_t>(n > 0 ? n : 0);
    });
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      buffer.clear();
      return error;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  return 0;
}

// The file system type of `fd` (statfs f_type), 0 when unknown.
unsigned long fs_type(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 ? static_cast<unsigned long>(fs.f_type) : 0;
}

// Whether the kernel generates the files of this file system type at every read.
bool generated(unsigned long type) {
  return type == PROC_SUPER_MAGIC || type == SYSFS_MAGIC || type == CGROUP2_SUPER_MAGIC;
}

}  // namespace

ProcFiles::ProcFiles(std::string_view root) : root_(root) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

const std::string& ProcFiles::full_path(std::string_view path) {
  path_.assign(root_);
  path_.append(path);
  return path_;
}

bool ProcFiles::exists(std::string_view path) {
  return ::access(full_path(path).c_str(), F_OK) == 0;
}

ProcFiles::KeptFile* ProcFiles::find_kept(std::string_view path) {
  for (KeptFile& kept : kept_) {
    if (kept.path == path) return &kept;
  }
  return nullptr;
}

int ProcFiles::read(std::string_view path, std::string& buffer) {
  if (KeptFile* kept = find_kept(path)) {
    if (read_whole(kept->fd.get(), buffer) == 0) return 0;
    // The file behind the descriptor may be gone (a removed cgroup: ENODEV) or the descriptor
    // stale: answer as a fresh open would.
    kept_.erase(kept_.begin() + (kept - kept_.data()));
  }
  return open_and_read(path, buffer, true);
}

int ProcFiles::read_once(std::string_view path, std::string& buffer) {
  return open_and_read(path, buffer, false);
}

int ProcFiles::open_and_read(std::string_view path, std::string& buffer, bool keep) {
  buffer.clear();
  core::UniqueFd fd(::open(full_path(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno;
  if (const int rc = read_whole(fd.get(), buffer); rc != 0) return rc;
  if (!keep) return 0;
  if (const unsigned long type = fs_type(fd.get()); generated(type)) {
    kept_.push_back(KeptFile{std::string(path), std::move(fd), type == PROC_SUPER_MAGIC});
  }
  return 0;
}

bool ProcFiles::mount_table_changed(std::string_view path) {
  const KeptFile* kept = find_kept(path);
  if (kept == nullptr || !kept->procfs) return true;
  pollfd watch{.fd = kept->fd.get(), .events = POLLPRI, .revents = 0};
  const int rc = ::poll(&watch, 1, 0);
  // An error of poll itself: re-read rather than miss a change.
  if (rc < 0) return true;
  return (watch.revents & (POLLPRI | POLLERR | POLLNVAL)) != 0;
}

}  // namespace vigil::collectors::host
