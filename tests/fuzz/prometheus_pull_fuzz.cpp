// OTLP metrics requests (from any sender) through the pull endpoint's whole path: translation,
// the series store and both renderers. Whatever the names, label values and numbers, every
// rendered line must be well-formed exposition text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/core/clock.h"
#include "exporters/prometheus/exposition_renderer.h"
#include "exporters/prometheus/pull_exporter.h"

namespace {

using namespace vigil::exporters::prometheus;

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

// name{label="value",...} value [timestamp]
bool valid_sample_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0, true)) ++i;
  if (i == 0) return false;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      const std::size_t start = i;
      while (i < line.size() && name_char(line[i], i == start, false)) ++i;
      if (i == start || line.substr(i, 2) != "=\"") return false;
      i += 2;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          if (i + 1 >= line.size()) return false;
          const char e = line[i + 1];
          if (e != '\\' && e != '"' && e != 'n') return false;
          ++i;
        }
        ++i;
      }
      if (i >= line.size()) return false;
      ++i;  // closing quote
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return false;
    }
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string rest(line.substr(i + 1));
  if (rest.rfind("NaN", 0) == 0 || rest.rfind("+Inf", 0) == 0 || rest.rfind("-Inf", 0) == 0) {
    return true;
  }
  char* end = nullptr;
  std::strtod(rest.c_str(), &end);
  return end != rest.c_str() && (*end == '\0' || *end == ' ');
}

void check(std::string_view text, bool openmetrics) {
  if (openmetrics && !text.ends_with("# EOF\n")) __builtin_trap();
  if (!text.empty() && text.back() != '\n') __builtin_trap();
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("# ")) continue;
    if (!valid_sample_line(line)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  vigil::core::SystemClock clock;
  Translator translator({});
  SeriesStore store({}, clock);
  // Twice: the second batch updates what the first one stored.
  for (int round = 0; round < 2; ++round) {
    if (!store_batch(payload, translator, store, clock.monotonic())) return 0;
  }
  std::string out;
  render_exposition(store, clock.monotonic(), RenderOptions{ExpositionFormat::kText, true}, out);
  check(out, false);
  render_exposition(store, clock.monotonic(), RenderOptions{ExpositionFormat::kOpenMetrics1, true},
                    out);
  check(out, true);
  return 0;
}
