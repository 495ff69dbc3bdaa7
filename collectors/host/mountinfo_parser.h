#pragma once

#include <string>
#include <string_view>
#include <vector>

// Pure parser of /proc/<pid>/mountinfo (PROTOCOLS.md 8.7, proc_pid_mountinfo(5)): text in,
// entries out, no I/O.
namespace vigil::collectors::host {

struct MountEntry {
  // Unescaped (the kernel writes space, tab, newline and backslash as \040, \011, \012, \134).
  // Views into the `storage` string given to parse_mountinfo.
  std::string_view mount_point;
  std::string_view fstype;
  std::string_view source;  // the mount source ("/dev/vda", "tmpfs", "server:/export")
  bool read_only = false;   // "ro" in the per-mount options or in the super-block options
};

// Fills `out` (cleared, capacity kept) with one entry per well-formed line of `text`: mount
// ID, parent ID, major:minor, root, mount point, options, optional fields, "-", fs type,
// source, super options. Lines without the "-" separator or with too few fields are skipped.
// `storage` receives the unescaped strings; it is cleared and reserved to text.size() first,
// so it never reallocates while the views are handed out (and allocates nothing once it is
// large enough).
void parse_mountinfo(std::string_view text, std::string& storage, std::vector<MountEntry>& out);

// Appends `in` to `out` with the kernel's octal escapes (a backslash and three octal digits)
// decoded; a backslash not followed by three octal digits is kept as it is.
void append_unescaped(std::string& out, std::string_view in);

// Whether the comma-separated `options` contain exactly `option`.
bool has_option(std::string_view options, std::string_view option);

}  // namespace vigil::collectors::host
