#include "exporters/prometheus/exposition_negotiation.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <optional>

namespace vigil::exporters::prometheus {

namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kWhitespace);
  return s.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Calls `visit(element, index)` for each comma-separated, non-empty element. Commas inside
// quoted parameter values do not split.
template <typename Visit>
void for_each_element(std::string_view header, Visit&& visit) {
  std::size_t index = 0;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= header.size(); ++i) {
    if (i < header.size()) {
      const char c = header[i];
      if (c == '"') quoted = !quoted;
      if (c != ',' || quoted) continue;
    }
    const std::string_view element = trim(header.substr(start, i - start));
    if (!element.empty()) visit(element, index++);
    start = i + 1;
  }
}

// A qvalue (RFC 9110 12.4.2): 0 to 1 with up to three decimals; nullopt when malformed.
std::optional<double> parse_q(std::string_view text) {
  double q = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q);
  if (ec != std::errc() || end != text.data() + text.size() || !(q >= 0 && q <= 1)) {
    return std::nullopt;
  }
  return q;
}

// One element of Accept or Accept-Encoding: the token before the first ';' and its q and
// version parameters.
struct Element {
  std::string_view token;
  std::string_view version;  // "" when absent
  double q = 1;
  bool valid = true;
};

Element parse_element(std::string_view element) {
  Element out;
  std::size_t semicolon = element.find(';');
  out.token = trim(element.substr(0, semicolon));
  while (semicolon != std::string_view::npos) {
    const std::size_t next = element.find(';', semicolon + 1);
    const std::string_view param = trim(element.substr(semicolon + 1, next - semicolon - 1));
    semicolon = next;
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = trim(param.substr(0, eq));
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (iequals(name, "q")) {
      const auto q = parse_q(value);
      if (!q) out.valid = false;
      out.q = q.value_or(0);
    } else if (iequals(name, "version")) {
      out.version = value;
    }
  }
  return out;
}

struct Candidate {
  ExpositionFormat format;
  std::string_view type;
  std::string_view subtype;
  std::string_view version;  // what a range's version parameter must say to name this one
};

// Tie-break order at equal quality and equal header position: text first (wildcards), then
// OpenMetrics 1.0.0 (a range without a version names both OpenMetrics versions).
constexpr std::array<Candidate, 3> kCandidates = {{
    {ExpositionFormat::kText, "text", "plain", "0.0.4"},
    {ExpositionFormat::kOpenMetrics1, "application", "openmetrics-text", "1.0.0"},
    {ExpositionFormat::kOpenMetrics01, "application", "openmetrics-text", "0.0.1"},
}};

// How specifically `range` names `c`: 3 type/subtype with a matching version, 2 type/subtype,
// 1 type/*, 0 */*; nullopt when it does not match.
std::optional<int> specificity(const Element& range, const Candidate& c) {
  // type "/" subtype with no whitespace inside (RFC 9110 8.3.1); anything else names nothing.
  const std::size_t slash = range.token.find('/');
  if (slash == std::string_view::npos ||
      range.token.find_first_of(kWhitespace) != range.token.npos) {
    return std::nullopt;
  }
  const std::string_view type = range.token.substr(0, slash);
  const std::string_view subtype = range.token.substr(slash + 1);
  if (type == "*" && subtype == "*") return 0;
  if (!iequals(type, c.type)) return std::nullopt;
  if (subtype == "*") return 1;
  if (!iequals(subtype, c.subtype)) return std::nullopt;
  if (range.version.empty()) return 2;
  if (range.version == c.version) return 3;
  return std::nullopt;
}

struct Quality {
  double q = 0;
  std::size_t position = SIZE_MAX;  // header index of the range that set q
  int specificity = -1;
};

}  // namespace

std::string_view content_type(ExpositionFormat format) {
  switch (format) {
    case ExpositionFormat::kText:
      return "text/plain; version=0.0.4; charset=utf-8";
    case ExpositionFormat::kOpenMetrics1:
      return "application/openmetrics-text; version=1.0.0; charset=utf-8";
    case ExpositionFormat::kOpenMetrics01:
      return "application/openmetrics-text; version=0.0.1; charset=utf-8";
  }
  return "text/plain; version=0.0.4; charset=utf-8";
}

ExpositionFormat negotiate_format(std::string_view accept) {
  std::array<Quality, kCandidates.size()> quality{};
  for_each_element(accept, [&](std::string_view text, std::size_t position) {
    const Element range = parse_element(text);
    if (!range.valid) return;
    for (std::size_t i = 0; i < kCandidates.size(); ++i) {
      const auto s = specificity(range, kCandidates[i]);
      // The most specific range decides; among equally specific ones the first listed.
      if (!s || *s <= quality[i].specificity) continue;
      quality[i] = Quality{range.q, position, *s};
    }
  });
  std::size_t best = 0;  // text, also when nothing is acceptable
  for (std::size_t i = 1; i < kCandidates.size(); ++i) {
    const Quality& c = quality[i];
    const Quality& b = quality[best];
    if (c.q <= 0) continue;
    if (c.q > b.q || (c.q == b.q && c.position < b.position)) best = i;
  }
  return kCandidates[best].format;
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip;
  std::optional<double> any;
  for_each_element(accept_encoding, [&](std::string_view text, std::size_t) {
    const Element coding = parse_element(text);
    if (!coding.valid) return;
    if (iequals(coding.token, "gzip") || iequals(coding.token, "x-gzip")) {
      gzip = gzip ? std::max(*gzip, coding.q) : coding.q;
    } else if (coding.token == "*") {
      any = coding.q;
    }
  });
  if (gzip) return *gzip > 0;
  return any.value_or(0) > 0;
}

}  // namespace vigil::exporters::prometheus
