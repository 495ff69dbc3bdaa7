#include "collectors/host/proc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vigil::collectors::host {

namespace {

constexpr std::size_t kInitialReadSize = 4096;

// Closes the descriptor on every path out of read().
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

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

int ProcFiles::read(std::string_view path, std::string& buffer) {
  buffer.clear();
  const FdCloser file{::open(full_path(path).c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) return errno;
  // /proc files report size 0, so read until EOF, doubling the buffer when it fills up. The
  // kernel generates a seq_file per read call: a large buffer gets the file in one call.
  std::size_t used = 0;
  for (;;) {
    if (used == buffer.capacity() || buffer.capacity() < kInitialReadSize) {
      buffer.reserve(std::max(kInitialReadSize, buffer.capacity() * 2));
    }
    ssize_t n = 0;
    buffer.resize_and_overwrite(buffer.capacity(), [&](char* data, std::size_t size) {
      n = ::read(file.fd, data + used, size - used);
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

}  // namespace vigil::collectors::host
