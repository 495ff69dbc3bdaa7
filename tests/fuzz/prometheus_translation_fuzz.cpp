// Arbitrary bytes as an ExportMetricsServiceRequest through the OTLP-to-Prometheus translation
// and the remote-write encoder. Beyond not crashing, every sample must keep the translation's
// promises (valid, sorted, unique label names, no empty values, a valid metric name) and every
// encoded WriteRequest must parse with the generated classes. One Translator lives across inputs
// so the delta-to-cumulative state sees many requests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exporters/prometheus/prometheus_names.h"
#include "exporters/prometheus/prometheus_translation.h"
#include "exporters/prometheus/remote_write_encoder.h"
#include "prometheus/remote.pb.h"

namespace {

using namespace vigil::exporters::prometheus;

class CheckingSink final : public SampleSink {
 public:
  explicit CheckingSink(WriteRequestEncoder& encoder) : encoder_(encoder) {}
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
  }

 private:
  WriteRequestEncoder& encoder_;
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
  static WriteRequestEncoder encoder(7);
  CheckingSink sink(encoder);
  auto stats =
      translator.translate(std::string_view(reinterpret_cast<const char*>(data), size), sink);
  for (const auto& request : encoder.finish()) {
    ::prometheus::WriteRequest parsed;
    if (!parsed.ParseFromString(request.body) || request.samples > 7) __builtin_trap();
  }
  if (stats && stats->dropped() > stats->points) __builtin_trap();
  return 0;
}
