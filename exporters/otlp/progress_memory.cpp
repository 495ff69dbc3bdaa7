#include "exporters/otlp/progress_memory.h"

#include <functional>
#include <string_view>

namespace vigil::exporters::otlp_exporter {

ProgressMemory::Key ProgressMemory::key_of(const core::Batch& batch) {
  return Key{batch.signal, batch.payload.size(), std::hash<std::string_view>{}(batch.payload)};
}

std::optional<PartsProgress> ProgressMemory::take(const Key& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      PartsProgress progress = std::move(it->second);
      entries_.erase(it);
      return progress;
    }
  }
  return std::nullopt;
}

void ProgressMemory::remember(const Key& key, PartsProgress progress) {
  (void)take(key);
  entries_.emplace_back(key, std::move(progress));
  while (entries_.size() > capacity_) entries_.pop_front();
}

}  // namespace vigil::exporters::otlp_exporter
