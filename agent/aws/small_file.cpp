#include "agent/aws/small_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace vigil::aws {

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

core::Result<std::optional<std::string>> read_small_file(const std::string& path,
                                                         std::size_t max_bytes) {
  // "e": O_CLOEXEC, so no child process inherits a credentials file.
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rbe"));
  if (!file) {
    if (errno == ENOENT) return std::optional<std::string>();
    return core::make_error(path + ": " + std::strerror(errno));
  }
  std::string content;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (content.size() + n > max_bytes) {
      return core::make_error(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    content.append(buffer, n);
  }
  if (std::ferror(file.get()) != 0) return core::make_error(path + ": " + std::strerror(errno));
  return std::optional<std::string>(std::move(content));
}

}  // namespace vigil::aws
