#pragma once

#include <string>
#include <string_view>

// Reads the files the scrapers parse, every path under an injected root (`root_path`: "/" on
// the host, "/host" in a container that mounts the host's file system there, a fixture tree in
// tests).
namespace vigil::collectors::host {

class ProcFiles {
 public:
  // `root` is used as given, without a trailing '/' ("/" becomes "").
  explicit ProcFiles(std::string_view root);

  // Reads the whole of <root><path> (path starts with '/') into `buffer`, replacing its
  // content. Returns 0 or the errno of the failed open or read. Reuses the buffer's capacity
  // and its own path buffer, so reading files no larger than before allocates nothing.
  int read(std::string_view path, std::string& buffer);

  // Whether <root><path> exists (access(F_OK)).
  bool exists(std::string_view path);

  // <root><path>, in a buffer reused by the next call.
  const std::string& full_path(std::string_view path);

  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::string path_;
};

}  // namespace vigil::collectors::host
