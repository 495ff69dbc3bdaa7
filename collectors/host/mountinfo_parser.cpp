#include "collectors/host/mountinfo_parser.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// Appends the unescaped `field` to `storage` and returns a view of what was appended. The
// caller reserved enough capacity, so earlier views stay valid.
std::string_view store(std::string& storage, std::string_view field) {
  const std::size_t begin = storage.size();
  append_unescaped(storage, field);
  return std::string_view(storage).substr(begin);
}

}  // namespace

void append_unescaped(std::string& out, std::string_view in) {
  std::size_t i = 0;
  while (i < in.size()) {
    const auto backslash = in.find('\\', i);
    if (backslash == std::string_view::npos) {
      out.append(in.substr(i));
      return;
    }
    out.append(in.substr(i, backslash - i));
    if (backslash + 3 < in.size() && is_octal(in[backslash + 1]) && is_octal(in[backslash + 2]) &&
        is_octal(in[backslash + 3])) {
      const int value = (in[backslash + 1] - '0') * 64 + (in[backslash + 2] - '0') * 8 +
                        (in[backslash + 3] - '0');
      out.push_back(static_cast<char>(value & 0xFF));
      i = backslash + 4;
    } else {
      out.push_back('\\');
      i = backslash + 1;
    }
  }
}

bool has_option(std::string_view options, std::string_view option) {
  while (!options.empty()) {
    const auto comma = options.find(',');
    if (options.substr(0, comma) == option) return true;
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return false;
}

void parse_mountinfo(std::string_view text, std::string& storage, std::vector<MountEntry>& out) {
  out.clear();
  storage.clear();
  // Unescaping never makes a field longer, so this bounds everything stored below.
  storage.reserve(text.size());
  while (!text.empty()) {
    std::string_view rest = next_line(text);
    // mount ID, parent ID, major:minor, root
    bool complete = true;
    for (int i = 0; i < 4 && complete; ++i) complete = !next_field(rest).empty();
    const std::string_view mount_point = next_field(rest);
    const std::string_view mount_options = next_field(rest);
    if (!complete || mount_options.empty()) continue;
    // Zero or more optional fields ("shared:1", "master:2", ...) end with a lone "-".
    std::string_view field = next_field(rest);
    while (!field.empty() && field != "-") field = next_field(rest);
    if (field.empty()) continue;
    const std::string_view fstype = next_field(rest);
    const std::string_view source = next_field(rest);
    const std::string_view super_options = next_field(rest);
    if (fstype.empty() || source.empty()) continue;
    MountEntry entry;
    entry.mount_point = store(storage, mount_point);
    entry.fstype = store(storage, fstype);
    entry.source = store(storage, source);
    entry.read_only = has_option(mount_options, "ro") || has_option(super_options, "ro");
    out.push_back(entry);
  }
}

}  // namespace vigil::collectors::host
