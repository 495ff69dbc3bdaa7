#include "collectors/tail/file_table.h"

#include <algorithm>
#include <set>

#include "collectors/tail/log_batch_builder.h"

namespace vigil::collectors::tail {

namespace {
constexpr std::uint32_t kAttributesField = 6;  // LogRecord.attributes
}

FileTable::FileTable(std::shared_ptr<const TailConfig> config) : config_(std::move(config)) {
  for (const auto& [key, value] : config_->attributes) {
    wire::append_string_attribute(configured_attributes_, kAttributesField, key, value);
  }
}

std::shared_ptr<const std::string> FileTable::labels_for(const std::string& path) const {
  auto labels = std::make_shared<std::string>();
  const auto slash = path.rfind('/');
  wire::append_string_attribute(*labels, kAttributesField, "log.file.name",
                                slash == std::string::npos ? path : path.substr(slash + 1));
  wire::append_string_attribute(*labels, kAttributesField, "log.file.path", path);
  labels->append(configured_attributes_);
  return labels;
}

TrackedFile& FileTable::add(const std::string& path, FileIdentity identity, std::uint64_t offset,
                            const Fingerprint& fingerprint, bool skipping, core::MonoTime now) {
  auto file = std::make_unique<TrackedFile>();
  file->id = next_id_++;
  file->path = path;
  file->identity = identity;
  file->cursor = std::make_shared<FileCursor>(file->id, identity, offset);
  file->cursor->fingerprint = fingerprint;
  file->cursor->skipping = skipping;
  file->cursor->committed_skipping = skipping;
  file->labels = labels_for(path);
  file->last_active = now;
  TrackedFile& ref = *file;
  by_path_[path] = ref.id;
  by_identity_[{identity.dev, identity.ino}] = ref.id;
  files_.emplace(ref.id, std::move(file));
  return ref;
}

TrackedFile* FileTable::find(std::uint64_t id) {
  auto it = files_.find(id);
  return it == files_.end() ? nullptr : it->second.get();
}

TrackedFile* FileTable::find_path(std::string_view path) {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? nullptr : find(it->second);
}

void FileTable::set_path(TrackedFile& file, const std::string& path) {
  if (auto it = by_path_.find(file.path); it != by_path_.end() && it->second == file.id) {
    by_path_.erase(it);
  }
  file.path = path;
  file.labels = labels_for(path);
  by_path_[path] = file.id;
}

void FileTable::mark_rotated(TrackedFile& file, core::MonoTime now) {
  if (file.state != TrackedFile::State::kActive) return;
  file.state = TrackedFile::State::kRotated;
  file.rotated_at = now;
  if (auto it = by_path_.find(file.path); it != by_path_.end() && it->second == file.id) {
    by_path_.erase(it);
  }
}

void FileTable::retire(TrackedFile& file) {
  if (auto it = by_path_.find(file.path); it != by_path_.end() && it->second == file.id) {
    by_path_.erase(it);
  }
  if (auto it = by_identity_.find({file.identity.dev, file.identity.ino});
      it != by_identity_.end() && it->second == file.id) {
    by_identity_.erase(it);
  }
  file.state = TrackedFile::State::kRetired;
  file.queued = false;
}

void FileTable::erase(std::uint64_t id) {
  if (TrackedFile* file = find(id)) {
    if (file->state != TrackedFile::State::kRetired) retire(*file);
    files_.erase(id);
  }
}

ScanChanges FileTable::apply_scan(const ScanResult& scan, core::MonoTime now,
                                  const std::vector<RestoredPosition>* restore) {
  ScanChanges changes;
  std::set<std::uint64_t> seen;
  std::vector<std::size_t> unknown;
  for (std::size_t i = 0; i < scan.files.size(); ++i) {
    const FoundFile& found = scan.files[i];
    auto it = by_identity_.find({found.identity.dev, found.identity.ino});
    if (it == by_identity_.end()) {
      unknown.push_back(i);
      continue;
    }
    TrackedFile& file = *files_.at(it->second);
    seen.insert(file.id);
    if (file.path != found.path) {
      // Renamed to another matching name (app.log -> app.log.1 with paths = ["app.log*"]):
      // the same file, followed under its new name. Another file may hold the old path now.
      set_path(file, found.path);
      changes.renamed.push_back(file.id);
    }
    if (file.state == TrackedFile::State::kRotated) {
      file.state = TrackedFile::State::kActive;  // matched again
      file.finishing = false;
      by_path_[file.path] = file.id;
    }
  }
  // Files no scan shows any more: renamed away or deleted.
  for (auto& [id, file] : files_) {
    if (file->state != TrackedFile::State::kActive || seen.contains(id)) continue;
    if (file->open) {
      mark_rotated(*file, now);
      changes.rotated.push_back(id);
    } else {
      changes.dropped.push_back(id);
    }
  }
  for (std::uint64_t id : changes.dropped) retire(*files_.at(id));
  for (std::size_t i : unknown) {
    const FoundFile& found = scan.files[i];
    // The path's previous file (if tracked and still active) was replaced: it rotates.
    if (TrackedFile* previous = find_path(found.path)) {
      if (previous->open) {
        mark_rotated(*previous, now);
        changes.rotated.push_back(previous->id);
      } else if (previous->state == TrackedFile::State::kActive) {
        changes.dropped.push_back(previous->id);
        retire(*previous);
      }
    }
    std::uint64_t offset = 0;
    Fingerprint fingerprint;
    bool skipping = false;
    if (restore != nullptr) {
      const RestoredPosition& p = (*restore)[i];
      switch (p.kind) {
        case RestoredPosition::Kind::kResume:
          offset = p.offset;
          fingerprint = p.fingerprint;
          skipping = p.skipping;
          if (p.truncated) ++changes.truncated_while_down;
          break;
        case RestoredPosition::Kind::kReplaced:
          ++changes.replaced_while_down;
          break;
        case RestoredPosition::Kind::kNew:
          if (config_->start_at == StartAt::kEnd) offset = found.size;
          break;
      }
    }
    TrackedFile& file = add(found.path, found.identity, offset, fingerprint, skipping, now);
    changes.added.push_back(file.id);
  }
  return changes;
}

std::size_t FileTable::open_count() const {
  return static_cast<std::size_t>(std::count_if(
      files_.begin(), files_.end(), [](const auto& entry) { return entry.second->open; }));
}

std::vector<TrackedFile*> FileTable::eviction_candidates(std::size_t needed) {
  const std::size_t open = open_count();
  const std::size_t limit = static_cast<std::size_t>(config_->max_open_files);
  if (open + needed <= limit) return {};
  std::size_t excess = open + needed - limit;
  std::vector<TrackedFile*> idle;
  for (auto& [id, file] : files_) {
    // Rotated files cannot be reopened by path: they keep their descriptor until done.
    // A file holding a multiline event stays open until the event is emitted.
    if (file->open && !file->queued && !file->in_job &&
        file->state == TrackedFile::State::kActive && !file->multiline_deadline) {
      idle.push_back(file.get());
    }
  }
  excess = std::min(excess, idle.size());
  std::partial_sort(
      idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(excess), idle.end(),
      [](const TrackedFile* a, const TrackedFile* b) { return a->last_active < b->last_active; });
  idle.resize(excess);
  return idle;
}

}  // namespace vigil::collectors::tail
