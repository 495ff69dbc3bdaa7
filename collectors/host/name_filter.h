#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

// An exclude pattern of device names, mount points or file system types ([collectors.host.*]
// exclude keys), matched with PCRE2 as node_exporter matches its Go regexps: a search
// anywhere in the name, so anchors are the pattern's business ("^(ram|loop)\d+$").
namespace vigil::collectors::host {

class NameFilter {
 public:
  // An empty pattern matches nothing. The error names the problem and its offset.
  static std::expected<NameFilter, std::string> compile(std::string_view pattern);

  NameFilter();  // matches nothing
  NameFilter(NameFilter&&) noexcept;
  NameFilter& operator=(NameFilter&&) noexcept;
  ~NameFilter();

  // Any bytes are a safe subject (invalid UTF-8 cannot match across the bad bytes).
  // Allocates nothing. A match that hits PCRE2's limits counts as no match.
  bool matches(std::string_view name) const;

 private:
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace vigil::collectors::host
