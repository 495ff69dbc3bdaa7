#include "collectors/tail/inotify_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

namespace vigil::collectors::tail {

std::vector<InotifyEvent> decode_inotify_events(std::string_view buffer) {
  std::vector<InotifyEvent> events;
  std::size_t pos = 0;
  while (buffer.size() - pos >= sizeof(struct inotify_event)) {
    struct inotify_event header;
    std::memcpy(&header, buffer.data() + pos, sizeof header);
    const std::size_t total = sizeof header + header.len;
    if (buffer.size() - pos < total) break;
    InotifyEvent event;
    event.wd = header.wd;
    event.mask = header.mask;
    event.cookie = header.cookie;
    // The name is NUL-padded to an alignment boundary.
    const std::string_view name = buffer.substr(pos + sizeof header, header.len);
    event.name = name.substr(0, name.find('\0'));
    events.push_back(event);
    pos += total;
  }
  return events;
}

std::uint32_t InotifyWatcher::watch_mask() {
  return IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
         IN_MOVE_SELF | IN_ONLYDIR;
}

core::Result<std::unique_ptr<InotifyWatcher>> InotifyWatcher::create(uv_loop_t* loop,
                                                                     Callbacks callbacks) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return core::make_error(fmt::format("inotify_init1: {}", std::strerror(errno)));
  std::unique_ptr<InotifyWatcher> watcher(
      new InotifyWatcher(loop, std::move(callbacks), UniqueFd(fd)));
  if (loop == nullptr) return watcher;  // tests feed handle() directly
  if (int rc = uv_poll_init(loop, watcher->poll_.get(), fd); rc != 0) {
    return core::make_error(fmt::format("uv_poll_init: {}", uv_strerror(rc)));
  }
  watcher->poll_.mark_initialized();
  watcher->poll_.get()->data = watcher.get();
  const int rc = uv_poll_start(watcher->poll_.get(), UV_READABLE, [](uv_poll_t* handle, int, int) {
    if (handle->data != nullptr) static_cast<InotifyWatcher*>(handle->data)->on_readable();
  });
  if (rc != 0) return core::make_error(fmt::format("uv_poll_start: {}", uv_strerror(rc)));
  return watcher;
}

InotifyWatcher::InotifyWatcher(uv_loop_t*, Callbacks callbacks, UniqueFd fd)
    : callbacks_(std::move(callbacks)), fd_(std::move(fd)) {}

InotifyWatcher::~InotifyWatcher() {
  // The poll handle must stop watching the descriptor before it is closed.
  poll_.close();
}

core::Result<void> InotifyWatcher::watch(const std::string& dir) {
  if (by_dir_.contains(dir)) return {};
  const int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), watch_mask());
  if (wd < 0)
    return core::make_error(fmt::format("inotify_add_watch {}: {}", dir, std::strerror(errno)));
  // The same directory under another path (a symbolic link) shares the watch descriptor.
  if (auto it = by_wd_.find(wd); it != by_wd_.end()) by_dir_.erase(it->second);
  by_wd_[wd] = dir;
  by_dir_[dir] = wd;
  return {};
}

void InotifyWatcher::retain(const std::vector<std::string>& keep) {
  const std::set<std::string> wanted(keep.begin(), keep.end());
  for (auto it = by_dir_.begin(); it != by_dir_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    ::inotify_rm_watch(fd_.get(), it->second);
    by_wd_.erase(it->second);
    it = by_dir_.erase(it);
  }
}

void InotifyWatcher::on_readable() {
  // Large enough for many events per read; the kernel never splits one across reads.
  alignas(struct inotify_event) char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: drained
    handle(std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

void InotifyWatcher::handle(std::string_view bytes) {
  for (const InotifyEvent& event : decode_inotify_events(bytes)) {
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      if (callbacks_.on_overflow) callbacks_.on_overflow();
      continue;
    }
    auto it = by_wd_.find(event.wd);
    if (it == by_wd_.end()) continue;  // a watch already removed
    const std::string dir = it->second;
    if ((event.mask & IN_IGNORED) != 0) {
      // The directory is gone (or unmounted): the kernel dropped the watch.
      by_dir_.erase(dir);
      by_wd_.erase(it);
    }
    if (callbacks_.on_event) callbacks_.on_event(dir, event.name, event.mask);
  }
}

}  // namespace vigil::collectors::tail
