#include "collectors/tail/checkpoint_restore.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <string_view>

namespace vigil::collectors::tail {

namespace {

RestoredPosition resume(const FoundFile& file, const CheckpointEntry& entry, bool moved) {
  RestoredPosition p;
  p.kind = RestoredPosition::Kind::kResume;
  p.moved = moved;
  if (file.size < entry.offset) {
    p.truncated = true;  // from 0, with a fingerprint taken afresh
    return p;
  }
  p.offset = entry.offset;
  p.fingerprint = entry.fingerprint;
  p.skipping = entry.skipping;
  return p;
}

}  // namespace

std::vector<RestoredPosition> restore_positions(const std::vector<FoundFile>& files,
                                                const std::vector<CheckpointEntry>& entries,
                                                std::uint32_t fingerprint_size,
                                                const FingerprintReader& read) {
  std::vector<RestoredPosition> out(files.size());
  std::vector<bool> file_done(files.size(), false);
  std::vector<bool> entry_used(entries.size(), false);

  // 1. Same inode, same first bytes.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> by_inode;
  for (std::size_t i = 0; i < files.size(); ++i) {
    by_inode.emplace(std::make_pair(files[i].identity.dev, files[i].identity.ino), i);
  }
  for (std::size_t e = 0; e < entries.size(); ++e) {
    const CheckpointEntry& entry = entries[e];
    auto it = by_inode.find({entry.identity.dev, entry.identity.ino});
    if (it == by_inode.end() || file_done[it->second]) continue;
    const FoundFile& file = files[it->second];
    const auto now = read(file, entry.fingerprint.length);
    if (!now || *now != entry.fingerprint) continue;  // inode reuse (or truncated below it)
    out[it->second] = resume(file, entry, false);
    file_done[it->second] = true;
    entry_used[e] = true;
  }

  // 2. Full fingerprints under another inode.
  std::map<std::size_t, std::optional<Fingerprint>> full;  // file index -> its first bytes
  for (std::size_t e = 0; e < entries.size(); ++e) {
    const CheckpointEntry& entry = entries[e];
    if (entry_used[e] || entry.fingerprint.length != fingerprint_size) continue;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (file_done[i] || files[i].size < fingerprint_size) continue;
      auto cached = full.find(i);
      if (cached == full.end()) cached = full.emplace(i, read(files[i], fingerprint_size)).first;
      if (!cached->second || *cached->second != entry.fingerprint) continue;
      out[i] = resume(files[i], entry, true);
      file_done[i] = true;
      entry_used[e] = true;
      break;
    }
  }

  // 3. A known path holding a file no entry matched.
  std::set<std::string_view> known_paths;
  for (const CheckpointEntry& entry : entries) known_paths.insert(entry.path);
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (file_done[i]) continue;
    if (known_paths.contains(files[i].path)) out[i].kind = RestoredPosition::Kind::kReplaced;
  }
  return out;
}

std::optional<Fingerprint> read_file_fingerprint(const FoundFile& file, std::uint32_t length) {
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  UniqueFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::uint64_t>(st.st_dev) != file.identity.dev ||
      static_cast<std::uint64_t>(st.st_ino) != file.identity.ino) {
    return std::nullopt;
  }
  return read_fingerprint(fd, length);
}

}  // namespace vigil::collectors::tail
