#include "agent/core/unique_fd.h"

#include <unistd.h>

namespace vigil::core {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);  // the fd is released even on EINTR (Linux)
  fd_ = -1;
}

}  // namespace vigil::core
