#pragma once

// A temporary directory for a test, removed with everything in it.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vigil::testing {

class TempDir {
 public:
  // Under $TMPDIR (or /tmp), named "<prefix>XXXXXX".
  explicit TempDir(std::string_view prefix = "vigil-test-") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name, without creating it.
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
  // Writes `content` to path()/name, creating the directories on the way; the full path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::filesystem::path target = file(name);
    std::filesystem::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return target.string();
  }

 private:
  std::string path_;
};

}  // namespace vigil::testing
