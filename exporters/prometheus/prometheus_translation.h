#pragma once

// OTLP metrics to Prometheus samples: the one translation used by the pull endpoint
// ([exporters.prometheus]) and by remote write ([[exporters.prometheus_remote_write]]).
// Host metrics get node_exporter's names and labels (node_exporter_names.h, the one table);
// everything else follows the standard OTLP-to-Prometheus rules (prometheus_names.h; README.md).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/core/clock.h"
#include "agent/core/error.h"

namespace vigil::exporters::prometheus {

enum class MetricKind : std::uint8_t { kGauge, kCounter, kHistogram, kSummary, kUnknown };

struct LabelView {
  std::string_view name;
  std::string_view value;
};

// Metadata of one Prometheus metric family: the name WITHOUT _bucket/_sum/_count. A counter's
// family name includes `_total` (text format 0.0.4 style); an OpenMetrics renderer strips it.
struct FamilyView {
  std::string_view name;
  MetricKind kind = MetricKind::kUnknown;
  std::string_view help;  // the OTLP description (node_exporter's text for table metrics)
  std::string_view unit;  // Prometheus unit word ("seconds", "bytes"), may be empty
};

// Receives translated samples. Views are valid only during the call: the sink copies what it
// keeps. Labels are sorted by name (byte order), sanitised, unique, and include neither
// __name__ nor empty values. Samples of one series arrive in the order of the request's points.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  // sample_name = family name + suffix ("_bucket", "_sum", "_count" or ""), e.g.
  // "http_request_duration_seconds_bucket". timestamp_ms = time_unix_nano / 1e6;
  // start_timestamp_ms = start_time_unix_nano / 1e6, 0 when unknown (OpenMetrics _created).
  // A point flagged "no recorded value" arrives as the staleness marker NaN
  // (bit pattern kStaleNaN).
  virtual void sample(const FamilyView& family, std::string_view sample_name,
                      std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
                      std::int64_t start_timestamp_ms) = 0;
};

// Prometheus' staleness marker (a NaN no computation produces).
inline constexpr std::uint64_t kStaleNaN = 0x7ff0000000000002ULL;

struct TranslationOptions {
  // Rename host metrics to node_exporter names (the one table). Default on.
  bool node_exporter_names = true;
  // Labels added to every series (remote write's external_labels), already valid label names;
  // a label the series has already wins.
  std::vector<std::pair<std::string, std::string>> extra_labels;
  // Emit target_info per resource when the resource has attributes besides the ones job and
  // instance come from.
  bool target_info = true;
  // Add job (service.namespace/service.name) and instance (service.instance.id) labels.
  bool job_instance_labels = true;
  // Add otel_scope_name / otel_scope_version labels to metrics that follow the standard rules
  // (never to node_exporter-named ones, whose label sets must equal node_exporter's).
  bool scope_labels = true;
  // Delta-to-cumulative state: a series not seen for this long (in data time) is forgotten, and
  // its next delta starts a new cumulative series (a counter reset).
  core::Duration delta_state_ttl = std::chrono::minutes(10);
  // At most this many delta series are tracked; points of new ones beyond it are dropped.
  std::size_t max_delta_series = 100'000;
};

// Why points were not translated (each is also a reason label of vigil_dropped_items_total).
struct TranslationStats {
  std::uint64_t points = 0;                // OTLP data points read
  std::uint64_t samples = 0;               // samples handed to the sink (target_info included)
  std::uint64_t dropped_no_timestamp = 0;  // time_unix_nano == 0
  std::uint64_t dropped_invalid = 0;       // e.g. bucket counts that do not fit the bounds
  std::uint64_t dropped_out_of_order = 0;  // a delta point older than the series' last one
  std::uint64_t dropped_state_full = 0;    // a new delta series beyond max_delta_series
  std::uint64_t dropped_unsupported = 0;   // a metric with no data or an unknown data type

  std::uint64_t dropped() const {
    return dropped_no_timestamp + dropped_invalid + dropped_out_of_order + dropped_state_full +
           dropped_unsupported;
  }
  TranslationStats& operator+=(const TranslationStats& o);
};

class CumulativeState;

// Stateful: converts delta sums and histograms to cumulative per series (state keyed by the
// series' identity). One instance per exporter; not thread-safe (use it from one thread).
class Translator {
 public:
  explicit Translator(TranslationOptions options);
  ~Translator();
  Translator(const Translator&) = delete;
  Translator& operator=(const Translator&) = delete;

  // `request` is a serialized ExportMetricsServiceRequest (a core::Batch payload). Fails only
  // when it does not parse (exactly when Message::ParseFromArray would fail); a point that
  // cannot be translated is counted in the stats. The request is read in place
  // (otlp_metrics_reader.h) into buffers kept from call to call: once they have grown, a request
  // of the same shape (the host collector's batch) translates without allocating, the sink and
  // delta exponential histograms aside (CumulativeState copies and merges their buckets).
  // Translating the same delta batch twice accumulates it twice: callers that retry keep the
  // translated result instead of translating again.
  core::Result<TranslationStats> translate(std::string_view request, SampleSink& sink);

  // Delta series currently tracked.
  std::size_t delta_series() const;

  const TranslationOptions& options() const { return options_; }

 private:
  struct Scratch;
  TranslationOptions options_;
  std::unique_ptr<CumulativeState> cumulative_;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace vigil::exporters::prometheus
