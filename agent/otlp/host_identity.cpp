#include "agent/otlp/host_identity.h"

#include <array>
#include <fstream>
#include <iterator>

namespace vigil::otlp {

namespace {

constexpr std::size_t kContainerIdLength = 64;

bool is_container_id(std::string_view s) {
  if (s.size() != kContainerIdLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The id inside one path segment: after the last ':' when there is one (containerd's systemd
// cgroup driver writes "cri-containerd:<id>"), else between the last '-' and the last '.'
// ("docker-<id>.scope"). Runtimes put metadata only before and after the id, never inside it.
std::optional<std::string_view> id_in_segment(std::string_view segment) {
  std::string_view id;
  if (auto colon = segment.rfind(':'); colon != std::string_view::npos) {
    id = segment.substr(colon + 1);
  } else {
    auto dash = segment.rfind('-');
    auto dot = segment.rfind('.');
    std::size_t start = dash == std::string_view::npos ? 0 : dash + 1;
    std::size_t end = dot == std::string_view::npos ? segment.size() : dot;
    if (start > end) return std::nullopt;
    id = segment.substr(start, end - start);
  }
  if (!is_container_id(id)) return std::nullopt;
  return id;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

// Splits on single spaces (mountinfo escapes spaces inside fields as \040).
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& out) {
  for (std::size_t i = 0; i < N; ++i) {
    auto sp = line.find(' ');
    out[i] = line.substr(0, sp);
    if (sp == std::string_view::npos) return i + 1 == N;
    line.remove_prefix(sp + 1);
  }
  return true;
}

// A segment a runtime names after the container: "<runtime>-<id>[.scope]" or
// "cri-containerd:<id>".
std::optional<std::string_view> id_in_runtime_segment(std::string_view segment) {
  constexpr std::array<std::string_view, 5> kPrefixes = {"docker-", "crio-", "cri-containerd-",
                                                         "cri-containerd:", "libpod-"};
  for (auto prefix : kPrefixes) {
    if (segment.starts_with(prefix)) return id_in_segment(segment);
  }
  return std::nullopt;
}

// A per-container directory below a runtime's state directory: the first segment after
// ".../containers/" (Docker, Podman) or ".../containerd/" that is exactly an id. Other
// directories of those trees (volumes, images) are not under these names.
std::optional<std::string_view> id_in_runtime_directory(std::string_view root) {
  constexpr std::array<std::string_view, 2> kMarkers = {"/containers/", "/containerd/"};
  for (auto marker : kMarkers) {
    auto pos = root.find(marker);
    if (pos == std::string_view::npos) continue;
    auto rest = root.substr(pos + marker.size());
    while (!rest.empty()) {
      auto slash = rest.find('/');
      auto segment = rest.substr(0, slash);
      if (is_container_id(segment)) return segment;
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string> read_file(const std::string& path) {
  // /proc files report a size of 0: read until EOF rather than by size.
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return text;
}

void set_attribute(ResourceInfo& info, std::string_view key, std::string_view value) {
  for (auto& [k, v] : info.attributes) {
    if (k == key) {
      v = value;
      return;
    }
  }
  info.attributes.emplace_back(std::string(key), std::string(value));
}

}  // namespace

std::optional<std::string> container_id_from_cgroup(std::string_view cgroup) {
  std::optional<std::string> found;
  for_each_line(cgroup, [&](std::string_view line) {
    // "hierarchy-id:controllers:path"; the id is in the path's last segment.
    auto slash = line.rfind('/');
    if (slash == std::string_view::npos) return true;
    if (auto id = id_in_segment(line.substr(slash + 1))) {
      found = std::string(*id);
      return false;
    }
    return true;
  });
  return found;
}

std::optional<std::string> container_id_from_mountinfo(std::string_view mountinfo) {
  // A segment named after the container ("crio-<id>.scope") names this container; a runtime
  // directory may belong to the pod's sandbox (CRI-O, containerd), so it only comes second.
  std::optional<std::string> named;
  std::optional<std::string> directory;
  std::optional<std::string> directory_at_hostname;
  for_each_line(mountinfo, [&](std::string_view line) {
    // mount-id parent-id major:minor root mount-point ...
    std::array<std::string_view, 5> fields;
    if (!split_fields(line, fields)) return true;
    const std::string_view root = fields[3];
    for (std::string_view rest = root; !rest.empty();) {
      auto slash = rest.find('/');
      if (auto id = id_in_runtime_segment(rest.substr(0, slash))) {
        named = std::string(*id);
        return false;
      }
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    if (auto id = id_in_runtime_directory(root)) {
      if (!directory) directory = std::string(*id);
      if (fields[4] == "/etc/hostname" && !directory_at_hostname) {
        directory_at_hostname = std::string(*id);
      }
    }
    return true;
  });
  if (named) return named;
  return directory_at_hostname ? directory_at_hostname : directory;
}

std::optional<std::string> detect_container_id(std::string_view proc_root) {
  std::string base(proc_root);
  if (auto cgroup = read_file(base + "/self/cgroup")) {
    if (auto id = container_id_from_cgroup(*cgroup)) return id;
  }
  if (auto mountinfo = read_file(base + "/self/mountinfo")) {
    return container_id_from_mountinfo(*mountinfo);
  }
  return std::nullopt;
}

ResourceInfo detect_resource(std::string_view proc_root, std::string_view hostname,
                             const std::map<std::string, std::string>& extra) {
  ResourceInfo info;
  if (!hostname.empty()) set_attribute(info, "host.name", hostname);
  set_attribute(info, "os.type", "linux");
  if (auto id = detect_container_id(proc_root)) set_attribute(info, "container.id", *id);
  for (const auto& [key, value] : extra) set_attribute(info, key, value);
  return info;
}

}  // namespace vigil::otlp
