#include "collectors/tail/glob_pattern.h"

#include <fnmatch.h>

#include <fmt/format.h>

namespace vigil::collectors::tail {

namespace {

constexpr std::size_t kMaxComponents = 63;

bool has_wildcard(std::string_view component) {
  return component.find_first_of("*?[\\") != std::string_view::npos;
}

std::vector<std::string_view> split_components(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

core::Result<GlobPattern> GlobPattern::parse(std::string_view pattern) {
  if (!pattern.starts_with('/')) {
    return core::make_error(fmt::format("\"{}\" is not an absolute path", pattern));
  }
  if (pattern.size() == 1 || pattern.ends_with('/')) {
    return core::make_error(fmt::format("\"{}\" names a directory, not files", pattern));
  }
  GlobPattern glob;
  glob.text_ = std::string(pattern);
  auto parts = split_components(pattern);
  bool in_base = true;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.empty())
      return core::make_error(fmt::format("\"{}\" has an empty component", pattern));
    if (part == "." || part == "..") {
      return core::make_error(fmt::format("\"{}\": \".\" and \"..\" are not allowed", pattern));
    }
    const bool globstar = part == "**";
    if (!globstar && part.find("**") != std::string_view::npos) {
      return core::make_error(
          fmt::format("\"{}\": \"**\" must be a whole path component (as in /a/**/b)", pattern));
    }
    const bool last = i + 1 == parts.size();
    if (in_base && !last && !has_wildcard(part)) {
      glob.base_dir_ += '/';
      glob.base_dir_ += part;
      continue;
    }
    in_base = false;
    glob.components_.push_back(Component{std::string(part), globstar, !has_wildcard(part)});
  }
  if (glob.base_dir_.empty()) glob.base_dir_ = "/";
  if (glob.components_.size() > kMaxComponents) {
    return core::make_error(
        fmt::format("\"{}\" has more than {} components after its base", pattern, kMaxComponents));
  }
  if (glob.components_.back().globstar) {
    return core::make_error(
        fmt::format("\"{}\" ends in \"**\": name the files (\"**/*.log\")", pattern));
  }
  return glob;
}

GlobPattern::States GlobPattern::closure(States states) const {
  // "**" may match zero components: whoever reaches it also reaches what follows.
  for (std::size_t i = 0; i < components_.size(); ++i) {
    if ((states & (States{1} << i)) != 0 && components_[i].globstar) states |= States{1} << (i + 1);
  }
  return states;
}

GlobPattern::States GlobPattern::start() const { return closure(States{1}); }

GlobPattern::States GlobPattern::step(States states, std::string_view name) const {
  States next = 0;
  std::string name_z;  // fnmatch needs a terminated string
  for (std::size_t i = 0; i < components_.size(); ++i) {
    if ((states & (States{1} << i)) == 0) continue;
    const Component& c = components_[i];
    bool matched = false;
    if (c.globstar) {
      // Hidden directories are walked too; "**" never matches "." or "..", which a
      // directory listing skips anyway.
      next |= States{1} << i;
      continue;
    }
    if (c.literal) {
      matched = c.text == name;
    } else {
      if (name_z.empty()) name_z.assign(name);
      matched = ::fnmatch(c.text.c_str(), name_z.c_str(), 0) == 0;
    }
    if (matched) next |= States{1} << (i + 1);
  }
  return closure(next);
}

bool GlobPattern::can_descend(States states) const {
  // Some position before the end is live: a directory can lead to a match.
  const States all_but_end = (States{1} << components_.size()) - 1;
  return (states & all_but_end) != 0;
}

bool GlobPattern::matches(std::string_view absolute_path) const {
  if (!absolute_path.starts_with('/')) return false;
  std::string_view rest = absolute_path;
  if (base_dir_ != "/") {
    if (!rest.starts_with(base_dir_) || rest.size() <= base_dir_.size() ||
        rest[base_dir_.size()] != '/') {
      return false;
    }
    rest.remove_prefix(base_dir_.size());
  }
  States states = start();
  for (std::string_view part : split_components(rest)) {
    if (part.empty()) return false;
    states = step(states, part);
    if (states == 0) return false;
  }
  return accepts(states);
}

core::Result<ExcludePattern> ExcludePattern::parse(std::string_view pattern) {
  ExcludePattern exclude;
  exclude.text_ = std::string(pattern);
  if (pattern.empty()) return core::make_error("an empty pattern excludes nothing");
  if (pattern.find('/') == std::string_view::npos) {
    exclude.name_only_ = true;
    return exclude;
  }
  auto glob = GlobPattern::parse(pattern);
  if (!glob) return std::unexpected(glob.error());
  exclude.path_ = std::move(*glob);
  return exclude;
}

bool ExcludePattern::matches(std::string_view absolute_path) const {
  if (!name_only_) return path_.matches(absolute_path);
  const auto slash = absolute_path.rfind('/');
  const std::string name(slash == std::string_view::npos ? absolute_path
                                                         : absolute_path.substr(slash + 1));
  return ::fnmatch(text_.c_str(), name.c_str(), 0) == 0;
}

}  // namespace vigil::collectors::tail
