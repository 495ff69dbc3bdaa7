#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"

namespace vigil::collectors::tail {

// An absolute path pattern of `paths` and `exclude` (README.md):
//   /var/log/app/*.log      `*` any run of characters within one path component, `?` one
//                           character, `[abc]` / `[a-z]` / `[!a]` a set (fnmatch(3) rules)
//   /var/log/**/*.log       `**` as a whole component: zero or more directories
// Matching works component by component as a small NFA: a set of pattern positions that the
// components seen so far can reach. The walker uses the same states to decide which
// directories can hold matches, so it never descends where no match can be.
class GlobPattern {
 public:
  // Errors: not absolute, empty component ("//"), "**" mixed with other characters, ".."
  // components.
  static core::Result<GlobPattern> parse(std::string_view pattern);

  const std::string& text() const { return text_; }
  // The directory made of the leading components without wildcards: where a walk starts
  // ("/var/log" for /var/log/*/app.log; "/" for /*.log).
  const std::string& base_dir() const { return base_dir_; }

  bool matches(std::string_view absolute_path) const;

  // Positions reachable so far (bit i: component i may match next; bit size(): matched all).
  // Patterns have at most 63 components.
  using States = std::uint64_t;
  States start() const;  // the states at base_dir()
  States step(States states, std::string_view name) const;
  bool accepts(States states) const { return (states & (States{1} << components_.size())) != 0; }
  // Some component can still match below a directory in these states.
  bool can_descend(States states) const;

 private:
  struct Component {
    std::string text;
    bool globstar = false;  // "**"
    bool literal = false;   // no wildcard characters: compared byte for byte
  };
  States closure(States states) const;

  std::string text_;
  std::string base_dir_;
  std::vector<Component> components_;  // after base_dir_
};

// An `exclude` entry: a pattern with a '/' matches the whole path (it must then be absolute);
// one without matches the file's name ("*.gz").
class ExcludePattern {
 public:
  static core::Result<ExcludePattern> parse(std::string_view pattern);
  bool matches(std::string_view absolute_path) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool name_only_ = false;
  GlobPattern path_;
};

}  // namespace vigil::collectors::tail
