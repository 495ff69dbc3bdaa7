#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/host/metrics_encoder.h"
#include "collectors/host/name_filter.h"
#include "collectors/host/scraper.h"
#include "collectors/host/series_state.h"
#include "collectors/host/text_scan.h"

// Per-device counters (disks from /proc/diskstats, interfaces from /proc/net/dev): the same
// state and the same table-driven encoding for both scrapers.
namespace vigil::collectors::host {

// One device's columns and the start time of each.
template <std::size_t N>
struct DeviceEntity {
  std::string key;    // the name as the kernel writes it
  std::string label;  // the name as a valid UTF-8 attribute value
  bool seen = false;
  bool excluded = false;
  std::uint8_t count = 0;  // how many of the N columns the source has for it
  std::array<std::uint64_t, N> values{};
  std::array<std::int64_t, N> starts{};
  std::array<CounterStart, N> counters{};
};

enum class ValueScale : std::uint8_t {
  kInteger,          // as it is
  kSectorsToBytes,   // x 512: diskstats sectors are 512 bytes whatever the device's
  kMillisToSeconds,  // x 0.001: milliseconds to seconds
};

// One series of a device metric: which column, the direction attribute ("" = none) and how
// many columns the device must have for the column to exist.
struct DeviceSeries {
  std::uint8_t column = 0;
  std::string_view direction;
  std::uint8_t min_count = 0;
};

struct DeviceMetric {
  MetricInfo info;
  ValueScale scale = ValueScale::kInteger;
  std::array<DeviceSeries, 4> series{};
  std::uint8_t series_count = 0;
};

// Finds (or adds) the entity for `name` in `table` and stores this scrape's `values`: a new
// entity is matched against `exclude` once, its label made valid UTF-8.
template <std::size_t N>
void update_device(EntityTable<DeviceEntity<N>>& table, std::string_view name,
                   std::span<const std::uint64_t> values, std::uint8_t count,
                   const NameFilter& exclude, const ScrapeTimes& times) {
  bool created = false;
  DeviceEntity<N>& device = table.find_or_add(name, created);
  if (created) {
    append_valid_utf8(device.label, name);
    device.excluded = exclude.matches(name);
  }
  if (device.excluded) return;
  device.count = count;
  for (std::size_t i = 0; i < count && i < N; ++i) {
    device.values[i] = values[i];
    device.starts[i] = device.counters[i].observe(values[i], times);
  }
}

// Writes every metric of `metrics` for every device of `table` that is not excluded.
template <std::size_t N>
void encode_device_metrics(MetricsEncoder& encoder, const EntityTable<DeviceEntity<N>>& table,
                           std::span<const DeviceMetric> metrics, const ScrapeTimes& times) {
  for (const DeviceMetric& metric : metrics) {
    encoder.begin_metric(metric.info);
    for (const auto& device : table.items()) {
      if (device.excluded) continue;
      for (std::size_t s = 0; s < metric.series_count; ++s) {
        const DeviceSeries& series = metric.series[s];
        if (device.count < series.min_count || series.column >= N) continue;
        const std::uint64_t raw = device.values[series.column];
        const std::int64_t start = metric.info.kind == MetricKind::kUpDown
                                       ? times.updown_start()
                                       : device.starts[series.column];
        const Attribute device_attribute{"device", device.label};
        if (metric.scale == ValueScale::kMillisToSeconds) {
          // node_exporter multiplies by 1.0/1000.0; so does this, for the same double.
          const double seconds = static_cast<double>(raw) * (1.0 / 1000.0);
          if (series.direction.empty()) {
            encoder.add_double({device_attribute}, start, times.now, seconds);
          } else {
            encoder.add_double({device_attribute, {"direction", series.direction}}, start,
                               times.now, seconds);
          }
          continue;
        }
        const auto value = static_cast<std::int64_t>(
            metric.scale == ValueScale::kSectorsToBytes ? raw * 512 : raw);
        if (series.direction.empty()) {
          encoder.add_int({device_attribute}, start, times.now, value);
        } else {
          encoder.add_int({device_attribute, {"direction", series.direction}}, start, times.now,
                          value);
        }
      }
    }
    encoder.end_metric();
  }
}

// A scraper of one per-device source. `Source` says what it reads and writes:
//   static constexpr std::string_view kName, kPath; static constexpr std::size_t kColumns;
//   using Line = ...;  static void parse(std::string_view, std::vector<Line>&);
//   static std::string_view device(const Line&); static std::span<const std::uint64_t>
//   values(const Line&); static std::uint8_t count(const Line&);
//   static std::span<const DeviceMetric> metrics();
template <typename Source>
class DeviceScraper final : public Scraper {
 public:
  explicit DeviceScraper(NameFilter exclude) : exclude_(std::move(exclude)) {}
  std::string_view name() const override { return Source::kName; }

  bool scrape(ScrapeContext& context, SourceError& error) override {
    const auto parse = [&](std::string_view text) {
      Source::parse(text, lines_);
      return true;
    };
    if (!read_parsed(context, Source::kPath, text_, error, parse)) return false;
    const ScrapeTimes t = times(context);
    devices_.begin();
    for (const auto& line : lines_) {
      update_device(devices_, Source::device(line), Source::values(line), Source::count(line),
                    exclude_, t);
    }
    devices_.end();
    encode_device_metrics<Source::kColumns>(context.encoder(), devices_, Source::metrics(), t);
    done(t.now);
    return true;
  }

 private:
  NameFilter exclude_;
  std::string text_;
  std::vector<typename Source::Line> lines_;
  EntityTable<DeviceEntity<Source::kColumns>> devices_;
};

}  // namespace vigil::collectors::host
