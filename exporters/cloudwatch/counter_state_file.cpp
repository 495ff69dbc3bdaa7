#include "exporters/cloudwatch/counter_state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "agent/net/thread_pool.h"

namespace vigil::exporters::cloudwatch {

namespace {

std::string errno_text(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close() may carry for a written file.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

core::Result<void> write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return core::make_error(errno_text("cannot write", path));
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

core::Result<void> StateFileWriter::write(std::uint64_t generation, std::string_view content) {
  std::lock_guard lock(mutex_);
  if (generation <= written_generation_) return {};
  const std::filesystem::path target(path_);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) {
    return core::make_error("cannot create " + target.parent_path().string() + ": " + ec.message());
  }
  const std::string temporary = path_ + ".tmp";
  {
    Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return core::make_error(errno_text("cannot create", temporary));
    if (auto r = write_all(fd.get(), content, temporary); !r) return r;
    if (::fsync(fd.get()) != 0) return core::make_error(errno_text("cannot fsync", temporary));
    if (!fd.close()) return core::make_error(errno_text("cannot close", temporary));
  }
  if (::rename(temporary.c_str(), path_.c_str()) != 0) {
    return core::make_error(errno_text("cannot rename into", path_));
  }
  // The rename itself is durable only once the directory is.
  Fd dir(::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  written_generation_ = generation;
  return {};
}

std::shared_ptr<SharedCounterState> acquire_counter_state(const std::string& path,
                                                          core::Duration reset_after) {
  if (path.empty()) return std::make_shared<SharedCounterState>("", reset_after);
  // The one process-wide table of live states, by file: see SharedCounterState.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SharedCounterState>> live;
  std::lock_guard lock(mutex);
  std::erase_if(live, [](const auto& kv) { return kv.second.expired(); });
  if (auto existing = live[path].lock()) return existing;
  auto created = std::make_shared<SharedCounterState>(path, reset_after);
  live[path] = created;
  return created;
}

core::Result<std::size_t> load_counter_state(SharedCounterState& shared, std::int64_t now_ns) {
  if (shared.loaded) return shared.state.size();
  shared.loaded = true;
  const std::string& path = shared.writer->path();
  if (path.empty()) return 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return 0;
    return core::make_error(errno_text("cannot read", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto loaded = shared.state.load(text.str(), now_ns);
  if (!loaded) return core::make_error(path + ": " + loaded.error().message);
  return loaded;
}

void save_counter_state(SharedCounterState& shared, uv_loop_t* loop,
                        std::function<void(core::Result<void>)> done) {
  if (shared.writer->path().empty() || !shared.state.dirty()) {
    if (done) done({});
    return;
  }
  auto content = std::make_shared<std::string>(shared.state.serialize());
  const std::uint64_t generation = shared.next_generation++;
  auto writer = shared.writer;
  if (loop == nullptr) {
    auto result = writer->write(generation, *content);
    if (done) done(std::move(result));
    return;
  }
  auto result = std::make_shared<core::Result<void>>();
  net::run_in_pool(
      loop,
      [writer, generation, content, result] { *result = writer->write(generation, *content); },
      [result, done = std::move(done)] {
        if (done) done(std::move(*result));
      });
}

std::string counter_state_path(std::string_view data_dir, std::string_view exporter_name) {
  std::string safe;
  for (char c : exporter_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    safe.push_back(ok ? c : '_');
  }
  if (safe.empty() || safe == "." || safe == "..") safe = "_" + safe;
  return (std::filesystem::path(data_dir) / "cloudwatch" / safe / "counters.json").string();
}

}  // namespace vigil::exporters::cloudwatch
