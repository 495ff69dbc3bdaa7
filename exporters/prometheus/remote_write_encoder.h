#pragma once

// Translated samples to prometheus.WriteRequest bodies (remote write 1.0): samples are grouped
// into series by their full label set, each series' samples sorted by timestamp (of two at the
// same time the later one is kept), and the series packed into requests of at most
// max_samples_per_send samples.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "exporters/prometheus/prometheus_translation.h"

namespace vigil::exporters::prometheus {

// One WriteRequest, serialized (not yet compressed).
struct EncodedWriteRequest {
  std::string body;
  std::size_t series = 0;
  std::size_t samples = 0;
};

// A SampleSink that collects one batch's samples and encodes them. The label bytes of a series
// are written once, as the TimeSeries' `labels` field is encoded, and double as the key that
// groups its samples (so grouping costs no extra allocation per series). Reused from batch to
// batch: buffers keep their capacity.
class WriteRequestEncoder final : public SampleSink {
 public:
  explicit WriteRequestEncoder(std::size_t max_samples_per_send);
  WriteRequestEncoder(const WriteRequestEncoder&) = delete;
  WriteRequestEncoder& operator=(const WriteRequestEncoder&) = delete;

  // Labels arrive sorted without __name__; the series' labels are them plus
  // __name__ = sample_name in its byte-order place.
  void sample(const FamilyView& family, std::string_view sample_name,
              std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
              std::int64_t start_timestamp_ms) override;

  std::size_t samples() const { return samples_.size(); }
  std::size_t series() const { return series_.size(); }

  // Encodes everything collected since the last finish(), series in the order they first
  // appeared, and starts over. A series with more samples than fit in one request is split
  // into consecutive requests in timestamp order (so sending them in order keeps the series
  // in order).
  std::vector<EncodedWriteRequest> finish();

 private:
  struct Series {
    std::size_t offset = 0;  // of its encoded labels in label_bytes_
    std::size_t size = 0;
    std::uint32_t samples = 0;
  };
  struct Sample {
    std::uint32_t series = 0;
    std::int64_t timestamp_ms = 0;
    double value = 0;
  };
  // Hashes and compares series by their label bytes; a string_view finds an existing one.
  struct SeriesHash {
    using is_transparent = void;
    const WriteRequestEncoder* owner;
    std::size_t operator()(std::uint32_t index) const;
    std::size_t operator()(std::string_view bytes) const;
  };
  struct SeriesEqual {
    using is_transparent = void;
    const WriteRequestEncoder* owner;
    bool operator()(std::uint32_t a, std::uint32_t b) const;
    bool operator()(std::string_view a, std::uint32_t b) const;
    bool operator()(std::uint32_t a, std::string_view b) const;
  };

  std::string_view labels_of(std::uint32_t index) const;
  void clear();

  std::size_t max_samples_;
  std::string key_;          // the label bytes of the sample being added
  std::string label_bytes_;  // every series' label bytes, back to back
  std::vector<Series> series_;
  std::vector<Sample> samples_;
  std::unordered_set<std::uint32_t, SeriesHash, SeriesEqual> index_;
  std::vector<std::uint32_t> order_;  // scratch for finish()
};

}  // namespace vigil::exporters::prometheus
