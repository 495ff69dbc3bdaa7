#include "collectors/tail/file_scanner.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace vigil::collectors::tail {

namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

std::string join_path(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.ends_with('/')) path += '/';
  path += name;
  return path;
}

struct Walker {
  const std::vector<ExcludePattern>& exclude;
  ScanResult& result;
  std::set<std::pair<std::uint64_t, std::uint64_t>> seen_files;
  std::set<std::string> read_directories;

  bool excluded(const std::string& path) const {
    return std::any_of(exclude.begin(), exclude.end(),
                       [&](const ExcludePattern& p) { return p.matches(path); });
  }

  void add_file(const std::string& path, const struct stat& st) {
    const FileIdentity id{static_cast<std::uint64_t>(st.st_dev),
                          static_cast<std::uint64_t>(st.st_ino)};
    if (!seen_files.emplace(id.dev, id.ino).second) return;
    result.files.push_back(FoundFile{path, id, static_cast<std::uint64_t>(st.st_size)});
  }

  void walk(const GlobPattern& pattern) {
    struct Pending {
      std::string dir;
      GlobPattern::States states;
    };
    // Directories of this pattern's walk, by identity: a symbolic link loop ends here.
    std::set<std::pair<std::uint64_t, std::uint64_t>> visited;
    std::vector<Pending> stack{{pattern.base_dir(), pattern.start()}};
    while (!stack.empty()) {
      Pending at = std::move(stack.back());
      stack.pop_back();
      std::unique_ptr<DIR, DirCloser> dir(::opendir(at.dir.c_str()));
      if (!dir) {
        if (errno != ENOENT && errno != ENOTDIR) {
          result.errors.push_back(fmt::format("{}: {}", at.dir, std::strerror(errno)));
        }
        continue;
      }
      struct stat dir_stat {};
      if (::fstat(::dirfd(dir.get()), &dir_stat) != 0 ||
          !visited.emplace(dir_stat.st_dev, dir_stat.st_ino).second) {
        continue;
      }
      if (read_directories.insert(at.dir).second) result.directories.push_back(at.dir);
      while (const dirent* entry = ::readdir(dir.get())) {
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        const GlobPattern::States next = pattern.step(at.states, name);
        if (next == 0) continue;
        const std::string path = join_path(at.dir, name);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) continue;  // vanished, or a dangling link
        if (S_ISDIR(st.st_mode)) {
          if (pattern.can_descend(next)) stack.push_back(Pending{path, next});
          continue;
        }
        if (S_ISREG(st.st_mode) && pattern.accepts(next) && !excluded(path)) add_file(path, st);
      }
    }
  }
};

}  // namespace

ScanResult scan_files(const std::vector<GlobPattern>& paths,
                      const std::vector<ExcludePattern>& exclude) {
  ScanResult result;
  Walker walker{exclude, result, {}, {}};
  for (const GlobPattern& pattern : paths) walker.walk(pattern);
  std::sort(result.files.begin(), result.files.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; });
  return result;
}

}  // namespace vigil::collectors::tail
