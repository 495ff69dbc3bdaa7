#include "agent/telemetry/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

namespace vigil::telemetry {

void Gauge::add(double d) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Registration& Registration::operator=(Registration&& o) noexcept {
  if (this != &o) {
    if (undo_) undo_();
    undo_ = std::exchange(o.undo_, nullptr);
  }
  return *this;
}

Registration::~Registration() {
  if (undo_) undo_();
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help,
                                                 MetricSample::Type type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{std::string(help), type, {}, {}, {}}).first;
  }
  return it->second;
}

namespace {
Labels sorted(Labels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}
}  // namespace

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family(name, help, MetricSample::Type::kCounter);
  auto& slot = fam.counters[sorted(std::move(labels))];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mutex_);
  auto& fam = family(name, help, MetricSample::Type::kGauge);
  auto& slot = fam.gauges[sorted(std::move(labels))];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Registration MetricsRegistry::gauge_callback(std::string_view name, std::string_view help,
                                             Labels labels, std::function<double()> read) {
  return add_callback(name, help, MetricSample::Type::kGauge, std::move(labels), std::move(read));
}

Registration MetricsRegistry::counter_callback(std::string_view name, std::string_view help,
                                               Labels labels, std::function<double()> read) {
  return add_callback(name, help, MetricSample::Type::kCounter, std::move(labels), std::move(read));
}

Registration MetricsRegistry::add_callback(std::string_view name, std::string_view help,
                                           MetricSample::Type type, Labels labels,
                                           std::function<double()> read) {
  std::lock_guard lock(mutex_);
  auto& fam = family(name, help, type);
  auto key = std::make_pair(sorted(std::move(labels)), next_callback_id_++);
  fam.callbacks.emplace(key, std::move(read));
  std::string fname(name);
  return Registration([this, fname, key] {
    std::lock_guard lock(mutex_);
    auto it = families_.find(fname);
    if (it != families_.end()) it->second.callbacks.erase(key);
  });
}

std::vector<MetricSample> MetricsRegistry::collect() const {
  std::vector<MetricSample> out;
  // Callbacks run outside the lock: they may read other metrics.
  std::vector<std::pair<std::size_t, std::function<double()>>> pending;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, fam] : families_) {
      for (const auto& [labels, c] : fam.counters) {
        out.push_back({name, fam.help, fam.type, labels, static_cast<double>(c->value())});
      }
      for (const auto& [labels, g] : fam.gauges) {
        out.push_back({name, fam.help, fam.type, labels, g->value()});
      }
      for (const auto& [key, read] : fam.callbacks) {
        pending.emplace_back(out.size(), read);
        out.push_back({name, fam.help, fam.type, key.first, 0});
      }
    }
  }
  for (auto& [index, read] : pending) out[index].value = read();
  std::stable_sort(out.begin(), out.end(), [](const MetricSample& a, const MetricSample& b) {
    return std::tie(a.name, a.labels) < std::tie(b.name, b.labels);
  });
  return out;
}

namespace {
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out += fmt::format("{}", static_cast<std::int64_t>(v));
  } else {
    out += fmt::format("{}", v);
  }
}
}  // namespace

std::string MetricsRegistry::render_prometheus() const {
  std::string out;
  std::string_view last;
  auto samples = collect();
  for (const auto& s : samples) {
    if (s.name != last) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", s.name, s.help, s.name,
                         s.type == MetricSample::Type::kCounter ? "counter" : "gauge");
      last = s.name;
    }
    out += s.name;
    if (!s.labels.empty()) {
      out.push_back('{');
      bool first = true;
      for (const auto& [k, v] : s.labels) {
        if (!first) out.push_back(',');
        first = false;
        out += k;
        out += "=\"";
        append_label_value(out, v);
        out.push_back('"');
      }
      out.push_back('}');
    }
    out.push_back(' ');
    append_value(out, s.value);
    out.push_back('\n');
  }
  return out;
}

}  // namespace vigil::telemetry
