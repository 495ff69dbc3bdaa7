#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Unregisters a callback gauge when destroyed (components go away on reload).
class Registration {
 public:
  Registration() = default;
  explicit Registration(std::function<void()> undo) : undo_(std::move(undo)) {}
  Registration(Registration&& o) noexcept : undo_(std::exchange(o.undo_, nullptr)) {}
  Registration& operator=(Registration&& o) noexcept;
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  ~Registration();

 private:
  std::function<void()> undo_;
};

// A point of a self-metric, as read for rendering.
struct MetricSample {
  std::string name;
  std::string help;
  enum class Type : std::uint8_t { kCounter, kGauge } type = Type::kCounter;
  Labels labels;
  double value = 0;
};

// The agent's self-metrics (vigil_*, process_*). Not global: one instance is owned by the
// agent and passed to components. Counters and gauges live as long as the registry (a
// reloaded component finds its old counters again, so they stay monotonic); callback gauges
// live as long as their Registration. References returned are stable.
// Thread-safe for lookups and updates.
class MetricsRegistry {
 public:
  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  [[nodiscard]] Registration gauge_callback(std::string_view name, std::string_view help,
                                            Labels labels, std::function<double()> read);
  // A counter whose value is read at collection time (process CPU seconds).
  [[nodiscard]] Registration counter_callback(std::string_view name, std::string_view help,
                                              Labels labels, std::function<double()> read);

  // Every sample, grouped by metric name (sorted), label sets sorted.
  std::vector<MetricSample> collect() const;

  // Prometheus text format 0.0.4 (# HELP, # TYPE, one line per sample).
  std::string render_prometheus() const;

  // Convenience for the standard pipeline counters (names in DESIGN.md section 4).
  Counter& dropped_items(std::string_view component, std::string_view reason) {
    return counter("vigil_dropped_items_total", "Items dropped, by component and reason.",
                   {{"component", std::string(component)}, {"reason", std::string(reason)}});
  }

 private:
  struct Family {
    std::string help;
    MetricSample::Type type;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<std::pair<Labels, std::uint64_t>, std::function<double()>> callbacks;
  };
  Family& family(std::string_view name, std::string_view help, MetricSample::Type type);
  Registration add_callback(std::string_view name, std::string_view help, MetricSample::Type type,
                            Labels labels, std::function<double()> read);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::uint64_t next_callback_id_ = 1;
};

}  // namespace vigil::telemetry
