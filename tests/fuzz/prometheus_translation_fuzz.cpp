// Arbitrary bytes as an ExportMetricsServiceRequest through the OTLP-to-Prometheus translation
// and the remote-write encoder. Beyond not crashing, every sample must keep the translation's
// promises (valid, sorted, unique label names, no empty values, a valid metric name) and every
// encoded WriteRequest must parse with the generated classes. One Translator lives across inputs
// so the delta-to-cumulative state sees many requests.
//
// The translation reads the bytes at the wire level; libprotobuf is the reference: translate()
// must fail exactly when ParseFromArray does, its check must never vouch for bytes the parser
// rejects, and the samples must equal those a second Translator (fed the same inputs) makes of
// the parsed message's canonical re-serialization.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "exporters/prometheus/otlp_request_check.h"
#include "exporters/prometheus/prometheus_names.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "exporters/prometheus/remote_write_encoder.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "prometheus/remote.pb.h"

namespace {

using namespace vigil::exporters::prometheus;

// Every field of a sample as one string (values by bit pattern: NaNs compare too).
void append_sample(const FamilyView& family, std::string_view sample_name,
                   std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
                   std::int64_t start_timestamp_ms, std::string& out) {
  out.clear();
  out.append(family.name).append("|").append(std::to_string(static_cast<int>(family.kind)));
  out.append("|").append(family.help).append("|").append(family.unit).append("|");
  out.append(sample_name);
  for (const auto& l : labels) out.append("|").append(l.name).append("=").append(l.value);
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  out.append("|").append(std::to_string(bits)).append("|").append(std::to_string(timestamp_ms));
  out.append("|").append(std::to_string(start_timestamp_ms));
}

class CheckingSink final : public SampleSink {
 public:
  CheckingSink(WriteRequestEncoder& encoder, std::vector<std::string>& seen)
      : encoder_(encoder), seen_(seen) {}
  void sample(const FamilyView& family, std::string_view sample_name,
              std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
              std::int64_t start_timestamp_ms) override {
    if (!is_valid_metric_name(family.name) || !is_valid_metric_name(sample_name) ||
        !sample_name.starts_with(family.name)) {
      __builtin_trap();
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (!is_valid_label_name(labels[i].name) || labels[i].value.empty() ||
          labels[i].name == "__name__") {
        __builtin_trap();
      }
      if (i > 0 && !(labels[i - 1].name < labels[i].name)) __builtin_trap();
    }
    encoder_.sample(family, sample_name, labels, value, timestamp_ms, start_timestamp_ms);
    append_sample(family, sample_name, labels, value, timestamp_ms, start_timestamp_ms,
                  seen_.emplace_back());
  }

 private:
  WriteRequestEncoder& encoder_;
  std::vector<std::string>& seen_;
};

class RecordingSink final : public SampleSink {
 public:
  explicit RecordingSink(std::vector<std::string>& seen) : seen_(seen) {}
  void sample(const FamilyView& family, std::string_view sample_name,
              std::span<const LabelView> labels, double value, std::int64_t timestamp_ms,
              std::int64_t start_timestamp_ms) override {
    append_sample(family, sample_name, labels, value, timestamp_ms, start_timestamp_ms,
                  seen_.emplace_back());
  }

 private:
  std::vector<std::string>& seen_;
};

TranslationOptions options() {
  TranslationOptions o;
  o.extra_labels = {{"cluster", "fuzz"}};
  o.max_delta_series = 1000;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Translator translator(options());
  static Translator reference(options());  // fed the parsed message's canonical bytes
  static const OtlpRequestCheck check;
  static WriteRequestEncoder encoder(7);
  static const google::protobuf::LogSilencer quiet;  // the parser logs invalid UTF-8
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest parsed;
  const bool parser_ok = parsed.ParseFromArray(data, static_cast<int>(size));
  if (check.check(bytes) == OtlpRequestCheck::Verdict::kDirect && !parser_ok) __builtin_trap();

  std::vector<std::string> seen;
  CheckingSink sink(encoder, seen);
  auto stats = translator.translate(bytes, sink);
  for (const auto& request : encoder.finish()) {
    ::prometheus::WriteRequest written;
    if (!written.ParseFromString(request.body) || request.samples > 7) __builtin_trap();
  }
  if (stats.has_value() != parser_ok) __builtin_trap();
  if (!stats) {
    if (!seen.empty()) __builtin_trap();
    return 0;
  }
  if (stats->dropped() > stats->points) __builtin_trap();

  std::vector<std::string> expected;
  RecordingSink reference_sink(expected);
  auto reference_stats = reference.translate(parsed.SerializeAsString(), reference_sink);
  if (!reference_stats || seen != expected || reference_stats->points != stats->points ||
      reference_stats->dropped() != stats->dropped()) {
    __builtin_trap();
  }
  return 0;
}
