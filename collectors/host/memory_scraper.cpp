#include "collectors/host/memory_scraper.h"

#include "collectors/host/text_scan.h"

namespace vigil::collectors::host {

namespace {

constexpr std::string_view kSource = "/proc/meminfo";

constexpr MetricInfo kUsage{"system.memory.usage",
                            "Memory by state; the states add up to MemTotal.", "By",
                            MetricKind::kUpDown};
constexpr MetricInfo kMeminfoBytes{"system.memory.meminfo",
                                   "Every /proc/meminfo field given in kB, in bytes.", "By",
                                   MetricKind::kGauge};
constexpr MetricInfo kMeminfoCounts{"system.memory.meminfo.count",
                                    "Every /proc/meminfo field given without a unit.", "1",
                                    MetricKind::kGauge};

// The states of system.memory.usage other than "used", and the field each one is.
struct UsageState {
  std::string_view state;
  std::string_view field;
};
constexpr UsageState kStates[] = {
    {"free", "MemFree"},
    {"buffers", "Buffers"},
    {"cached", "Cached"},
    {"slab_reclaimable", "SReclaimable"},
    {"slab_unreclaimable", "SUnreclaim"},
};

}  // namespace

bool MemoryScraper::scrape(ScrapeContext& context, SourceError& error) {
  const auto parse = [&](std::string_view text) {
    parse_meminfo(text, fields_);
    return true;
  };
  if (!read_parsed(context, kSource, text_, error, parse)) return false;
  const ScrapeTimes t = times(context);
  MetricsEncoder& encoder = context.encoder();
  encode_usage(encoder, t);
  for (const bool bytes : {true, false}) {
    encoder.begin_metric(bytes ? kMeminfoBytes : kMeminfoCounts);
    for (const MeminfoField& field : fields_) {
      if (field.in_bytes != bytes || !is_valid_utf8(field.name)) continue;
      encoder.add_int({{"field", field.name}}, 0, t.now, static_cast<std::int64_t>(field.value));
    }
    encoder.end_metric();
  }
  done(t.now);
  return true;
}

void MemoryScraper::encode_usage(MetricsEncoder& encoder, const ScrapeTimes& times) const {
  encoder.begin_metric(kUsage);
  const std::int64_t start = times.updown_start();
  // used = MemTotal minus every other state, so that the states add up to MemTotal as the
  // semantic conventions ask (the kernel's own "used" is not a field).
  const MeminfoField* total = find_meminfo(fields_, "MemTotal");
  std::uint64_t others = 0;
  bool complete = total != nullptr;
  for (const UsageState& s : kStates) {
    const MeminfoField* field = find_meminfo(fields_, s.field);
    if (field == nullptr) {
      complete = false;
      continue;
    }
    others += field->value;
    encoder.add_int({{"state", s.state}}, start, times.now,
                    static_cast<std::int64_t>(field->value));
  }
  if (complete) {
    const std::uint64_t used = total->value > others ? total->value - others : 0;
    encoder.add_int({{"state", "used"}}, start, times.now, static_cast<std::int64_t>(used));
  }
  encoder.end_metric();
}

}  // namespace vigil::collectors::host
