#include "exporters/prometheus/remote_write_encoder.h"

#include <algorithm>
#include <bit>

#include <google/protobuf/io/coded_stream.h>

namespace vigil::exporters::prometheus {

namespace {

using google::protobuf::io::CodedOutputStream;

// Tags of the prometheus.WriteRequest fields written here (remote.proto).
constexpr std::uint8_t kTagTimeseries = 0x0a;   // WriteRequest.timeseries = 1, length-delimited
constexpr std::uint8_t kTagLabels = 0x0a;       // TimeSeries.labels = 1
constexpr std::uint8_t kTagSamples = 0x12;      // TimeSeries.samples = 2
constexpr std::uint8_t kTagName = 0x0a;         // Label.name = 1
constexpr std::uint8_t kTagValue = 0x12;        // Label.value = 2
constexpr std::uint8_t kTagSampleValue = 0x09;  // Sample.value = 1, 64-bit
constexpr std::uint8_t kTagTimestamp = 0x10;    // Sample.timestamp = 2, varint

constexpr std::string_view kNameLabel = "__name__";

void put_varint(std::string& out, std::uint64_t v) {
  std::uint8_t buf[10];
  const std::uint8_t* end = CodedOutputStream::WriteVarint64ToArray(v, buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(end - buf));
}

std::size_t varint_size(std::uint64_t v) { return CodedOutputStream::VarintSize64(v); }

void put_string_field(std::string& out, std::uint8_t tag, std::string_view s) {
  out += static_cast<char>(tag);
  put_varint(out, s.size());
  out += s;
}

// TimeSeries.labels entry: a Label message.
void put_label(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t size =
      2 + varint_size(name.size()) + name.size() + varint_size(value.size()) + value.size();
  out += static_cast<char>(kTagLabels);
  put_varint(out, size);
  put_string_field(out, kTagName, name);
  put_string_field(out, kTagValue, value);
}

std::size_t sample_size(std::int64_t timestamp_ms) {
  return 1 + 8 + 1 + varint_size(static_cast<std::uint64_t>(timestamp_ms));
}

void put_sample(std::string& out, double value, std::int64_t timestamp_ms) {
  out += static_cast<char>(kTagSamples);
  put_varint(out, sample_size(timestamp_ms));
  out += static_cast<char>(kTagSampleValue);
  std::uint8_t bits[8];
  CodedOutputStream::WriteLittleEndian64ToArray(std::bit_cast<std::uint64_t>(value), bits);
  out.append(reinterpret_cast<const char*>(bits), 8);
  out += static_cast<char>(kTagTimestamp);
  put_varint(out, static_cast<std::uint64_t>(timestamp_ms));
}

}  // namespace

std::size_t WriteRequestEncoder::SeriesHash::operator()(std::uint32_t index) const {
  return (*this)(owner->labels_of(index));
}
std::size_t WriteRequestEncoder::SeriesHash::operator()(std::string_view bytes) const {
  return std::hash<std::string_view>{}(bytes);
}
bool WriteRequestEncoder::SeriesEqual::operator()(std::uint32_t a, std::uint32_t b) const {
  return a == b;
}
bool WriteRequestEncoder::SeriesEqual::operator()(std::string_view a, std::uint32_t b) const {
  return a == owner->labels_of(b);
}
bool WriteRequestEncoder::SeriesEqual::operator()(std::uint32_t a, std::string_view b) const {
  return owner->labels_of(a) == b;
}

WriteRequestEncoder::WriteRequestEncoder(std::size_t max_samples_per_send)
    : max_samples_(std::max<std::size_t>(max_samples_per_send, 1)),
      index_(0, SeriesHash{this}, SeriesEqual{this}) {}

std::string_view WriteRequestEncoder::labels_of(std::uint32_t index) const {
  const Series& s = series_[index];
  return std::string_view(label_bytes_).substr(s.offset, s.size);
}

void WriteRequestEncoder::sample(const FamilyView& /*family*/, std::string_view sample_name,
                                 std::span<const LabelView> labels, double value,
                                 std::int64_t timestamp_ms, std::int64_t /*start_timestamp_ms*/) {
  key_.clear();
  bool named = false;
  for (const auto& label : labels) {
    if (!named && label.name > kNameLabel) {
      put_label(key_, kNameLabel, sample_name);
      named = true;
    }
    put_label(key_, label.name, label.value);
  }
  if (!named) put_label(key_, kNameLabel, sample_name);

  std::uint32_t index = 0;
  if (auto it = index_.find(std::string_view(key_)); it != index_.end()) {
    index = *it;
  } else {
    index = static_cast<std::uint32_t>(series_.size());
    series_.push_back({label_bytes_.size(), key_.size(), 0});
    label_bytes_ += key_;
    index_.insert(index);
  }
  ++series_[index].samples;
  samples_.push_back({index, timestamp_ms, value});
}

void WriteRequestEncoder::clear() {
  index_.clear();
  series_.clear();
  samples_.clear();
  label_bytes_.clear();
}

std::vector<EncodedWriteRequest> WriteRequestEncoder::finish() {
  std::vector<EncodedWriteRequest> requests;
  if (samples_.empty()) {
    clear();
    return requests;
  }
  // Samples grouped by series (counting sort: series in first-seen order, samples in arrival
  // order), then each series sorted by time.
  std::vector<std::size_t> start(series_.size() + 1, 0);
  for (std::size_t i = 0; i < series_.size(); ++i) start[i + 1] = start[i] + series_[i].samples;
  order_.assign(samples_.size(), 0);
  {
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < samples_.size(); ++i) {
      order_[fill[samples_[i].series]++] = static_cast<std::uint32_t>(i);
    }
  }

  EncodedWriteRequest current;
  auto flush = [&] {
    if (current.samples == 0) return;
    requests.push_back(std::move(current));
    current = EncodedWriteRequest{};
  };
  for (std::size_t s = 0; s < series_.size(); ++s) {
    auto first = order_.begin() + static_cast<std::ptrdiff_t>(start[s]);
    const auto last = order_.begin() + static_cast<std::ptrdiff_t>(start[s + 1]);
    if (last - first > 1) {
      std::stable_sort(first, last, [this](std::uint32_t a, std::uint32_t b) {
        return samples_[a].timestamp_ms < samples_[b].timestamp_ms;
      });
      // Two samples of a series at one time: the later one supersedes the earlier (a receiver
      // refuses the whole request over differing duplicates). Working backwards, what is kept
      // ends up at the back: [first, last) becomes the kept samples.
      first = std::unique(std::make_reverse_iterator(last), std::make_reverse_iterator(first),
                          [this](std::uint32_t a, std::uint32_t b) {
                            return samples_[a].timestamp_ms == samples_[b].timestamp_ms;
                          })
                  .base();
    }
    const std::string_view labels = labels_of(static_cast<std::uint32_t>(s));
    for (auto chunk = first; chunk != last;) {
      if (current.samples == max_samples_) flush();
      const std::size_t room = max_samples_ - current.samples;
      const std::size_t left = static_cast<std::size_t>(last - chunk);
      // A series that fits in a request of its own is not split across two.
      if (left > room && left <= max_samples_ && current.samples > 0) {
        flush();
        continue;
      }
      const auto chunk_end = chunk + static_cast<std::ptrdiff_t>(std::min(room, left));
      std::size_t size = labels.size();
      for (auto it = chunk; it != chunk_end; ++it) {
        const std::size_t n = sample_size(samples_[*it].timestamp_ms);
        size += 1 + varint_size(n) + n;
      }
      current.body += static_cast<char>(kTagTimeseries);
      put_varint(current.body, size);
      current.body += labels;
      for (auto it = chunk; it != chunk_end; ++it) {
        put_sample(current.body, samples_[*it].value, samples_[*it].timestamp_ms);
      }
      ++current.series;
      current.samples += static_cast<std::size_t>(chunk_end - chunk);
      chunk = chunk_end;
    }
  }
  flush();
  clear();
  return requests;
}

}  // namespace vigil::exporters::prometheus
