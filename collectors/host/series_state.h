#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// What a scraper remembers between scrapes: start times of its counters and the entities
// (CPUs, devices, mounts) it has seen. All of it is reused, so a scrape that sees the same
// entities as the last one allocates nothing.
namespace vigil::collectors::host {

// The times one scraper's points are stamped with.
struct ScrapeTimes {
  std::int64_t now = 0;       // time_unix_nano of every point of this scrape
  std::int64_t previous = 0;  // this scraper's previous successful scrape; 0 on its first
  std::int64_t boot = 0;      // host boot time (ns since the epoch); 0 when unknown

  // Start time of a series seen for the first time now. On the first scrape the kernel's
  // counters have been counting since boot; a series that appears later (a new device, a CPU
  // brought online) started from zero after the previous scrape, which did not see it.
  std::int64_t first_seen_start() const {
    if (previous != 0) return previous;
    if (boot > 0 && boot <= now) return boot;
    return now;
  }
  // Start time of the non-monotonic sums (memory, process counts): boot.
  std::int64_t updown_start() const { return boot > 0 && boot <= now ? boot : now; }
};

// The start time of one cumulative counter. A value lower than the last one is a reset (a
// wrap of a 32-bit kernel counter, a device re-created, an iowait count going back): the
// series starts anew at the previous scrape's time, the last moment it is known to have been
// on its old course, so old and new series never overlap.
class CounterStart {
 public:
  std::int64_t observe(std::uint64_t value, const ScrapeTimes& times) {
    if (!seen_) {
      start_ = times.first_seen_start();
      seen_ = true;
    } else if (value < last_) {
      start_ = times.previous > 0 ? times.previous : times.now;
    }
    last_ = value;
    return start_;
  }
  std::int64_t start() const { return start_; }

 private:
  std::uint64_t last_ = 0;
  std::int64_t start_ = 0;
  bool seen_ = false;
};

// Entities keyed by name, each an `Entity` with a `std::string key` and a `bool seen`. A scrape
// calls begin(), find_or_add() for each entity its source lists, then end(), which forgets the
// entities that were not listed (one that comes back is new, with a new start time).
template <typename Entity>
class EntityTable {
 public:
  void begin() {
    for (auto& e : items_) e.seen = false;
    cursor_ = 0;
  }

  // The entity with `key`, marked seen; `created` says whether it was added now, `repeated`
  // (if given) whether this scrape had already listed it. Sources list their entities in a
  // stable order, so the next one is looked at first.
  Entity& find_or_add(std::string_view key, bool& created, bool* repeated = nullptr) {
    created = false;
    if (repeated != nullptr) *repeated = false;
    const std::size_t n = items_.size();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (cursor_ + k) % n;
      if (items_[i].key == key) {
        cursor_ = i + 1;
        if (repeated != nullptr) *repeated = items_[i].seen;
        items_[i].seen = true;
        return items_[i];
      }
    }
    created = true;
    Entity& added = items_.emplace_back();
    added.key.assign(key);
    added.seen = true;
    cursor_ = items_.size();
    return added;
  }

  void end() {
    std::erase_if(items_, [](const Entity& e) { return !e.seen; });
  }

  std::vector<Entity>& items() { return items_; }
  const std::vector<Entity>& items() const { return items_; }

 private:
  std::vector<Entity> items_;
  std::size_t cursor_ = 0;
};

}  // namespace vigil::collectors::host
