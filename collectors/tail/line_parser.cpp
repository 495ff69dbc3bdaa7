#include "collectors/tail/line_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <system_error>
#include <utility>

#include "agent/config/config_reader.h"
#include "collectors/tail/json_parser.h"
#include "collectors/tail/logfmt_parser.h"
#include "collectors/tail/pcre2_regex.h"
#include "collectors/tail/regex_parser.h"
#include "collectors/tail/severity.h"

namespace vigil::collectors::tail {
namespace {

constexpr std::size_t kStorageBlockSize = 16 * 1024;
constexpr std::size_t kRetainedStorage = 256 * 1024;
// Above this many fields, duplicates are found by sorting instead of pairwise comparison.
constexpr std::size_t kPairwiseDedupLimit = 32;
// Fields that commonly hold the level, looked at by detect_severity (in this order).
constexpr std::array<std::string_view, 6> kLevelFields{"level",    "severity",  "lvl",
                                                       "loglevel", "log.level", "levelname"};

std::optional<std::size_t> find_field(const ParsedLine& out, std::string_view key) {
  for (std::size_t i = 0; i < out.fields.size(); ++i) {
    if (out.fields[i].key == key) return i;
  }
  return std::nullopt;
}

std::optional<std::int64_t> timestamp_of(const TimestampFormat& format, const FieldValue& value) {
  switch (value.type) {
    case FieldType::kString:
      return format.parse_text(value.text);
    case FieldType::kInt:
      return format.from_integer(value.int_value);
    case FieldType::kDouble:
      return format.from_double(value.double_value);
    default:
      return std::nullopt;
  }
}

Severity severity_of(const FieldValue& value) {
  switch (value.type) {
    case FieldType::kString:
      return {severity_from_word(value.text), value.text};
    case FieldType::kInt:
      return {severity_from_number(value.int_value), value.text};
    default:
      return {0, value.text};
  }
}

// What every parser does after extracting fields: body, time and severity from their fields.
class SpecialFields {
 public:
  explicit SpecialFields(const ParserConfig& config, TimestampFormat format)
      : message_field_(config.message_field),
        timestamp_field_(config.timestamp_field),
        severity_field_(config.severity_field),
        detect_severity_(config.detect_severity),
        keep_fields_(config.keep_fields),
        format_(std::move(format)) {}

  void apply(std::string_view line, ParsedLine& out) const {
    if (!message_field_.empty()) {
      if (const auto i = find_field(out, message_field_)) {
        out.body = out.fields[*i].value;
        consume(out, *i);
      }
    }
    if (!timestamp_field_.empty()) {
      if (const auto i = find_field(out, timestamp_field_)) {
        if (const auto time = timestamp_of(format_, out.fields[*i].value)) {
          out.time_unix_nano = *time;
          consume(out, *i);
        } else {
          out.timestamp_invalid = true;  // the field stays, so nothing of it is lost
        }
      }
    }
    if (!severity_field_.empty()) {
      if (const auto i = find_field(out, severity_field_)) {
        const Severity severity = severity_of(out.fields[*i].value);
        out.severity_number = severity.number;
        out.severity_text = severity.text;
        consume(out, *i);
      }
      return;
    }
    if (detect_severity_) detect(line, out);
  }

 private:
  void consume(ParsedLine& out, std::size_t index) const {
    if (!keep_fields_) out.fields.erase(out.fields.begin() + static_cast<std::ptrdiff_t>(index));
  }

  static void detect(std::string_view line, ParsedLine& out) {
    for (std::string_view name : kLevelFields) {
      if (const auto i = find_field(out, name)) {
        const Severity severity = severity_of(out.fields[*i].value);
        if (severity.number != 0) {
          out.severity_number = severity.number;
          out.severity_text = severity.text;
          return;
        }
      }
    }
    std::string_view text = line;
    if (out.body && out.body->type == FieldType::kString) text = out.body->text;
    if (const auto severity = find_severity_word(text)) {
      out.severity_number = severity->number;
      out.severity_text = severity->text;
    }
  }

  std::string message_field_;
  std::string timestamp_field_;
  std::string severity_field_;
  bool detect_severity_;
  bool keep_fields_;
  TimestampFormat format_;
};

// Glues a format's field extraction to the shared handling of special fields.
template <typename Extract>
class FieldLineParser final : public LineParser {
 public:
  FieldLineParser(Extract extract, SpecialFields special)
      : extract_(std::move(extract)), special_(std::move(special)) {}

  bool parse(std::string_view line, ParsedLine& out) override {
    out.clear();
    if (!extract_(line, out)) {
      out.clear();
      return false;
    }
    out.deduplicate_fields();
    special_.apply(line, out);
    return true;
  }

 private:
  Extract extract_;
  SpecialFields special_;
};

template <typename Extract>
std::unique_ptr<LineParser> make_field_parser(Extract extract, SpecialFields special) {
  return std::make_unique<FieldLineParser<Extract>>(std::move(extract), std::move(special));
}

}  // namespace

bool is_json_number(std::string_view text, bool& integral) {
  const auto digits_from = [&](std::size_t i) {
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i;
  };
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  const std::size_t int_start = i;
  i = digits_from(i);
  if (i == int_start || (text[int_start] == '0' && i - int_start > 1)) return false;
  integral = true;
  if (i < text.size() && text[i] == '.') {
    integral = false;
    const std::size_t start = ++i;
    if ((i = digits_from(i)) == start) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    integral = false;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t start = i;
    if ((i = digits_from(i)) == start) return false;
  }
  return i == text.size();
}

FieldValue infer_field_value(std::string_view text) {
  if (text == "true") return FieldValue::boolean(true, text);
  if (text == "false") return FieldValue::boolean(false, text);
  bool integral = false;
  if (!is_json_number(text, integral)) return FieldValue::string(text);
  const char* const end = text.data() + text.size();
  if (integral) {
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec == std::errc() && ptr == end) return FieldValue::integer(v, text);
    return FieldValue::string(text);  // beyond int64: keep every digit
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), end, d);
  if (ec == std::errc() && ptr == end) return FieldValue::number(d, text);
  return FieldValue::string(text);  // beyond double's range
}

void ParsedLine::clear() {
  fields.clear();
  body.reset();
  time_unix_nano.reset();
  timestamp_invalid = false;
  severity_number = 0;
  severity_text = {};
  block_ = 0;
  used_ = 0;
  // After a rare huge line, give its storage back rather than keep it for the file's lifetime.
  std::size_t total = 0;
  for (const Block& block : blocks_) total += block.size;
  if (total > kRetainedStorage) {
    if (blocks_.front().size > kRetainedStorage) {
      blocks_.clear();
    } else {
      blocks_.resize(1);
    }
  }
}

char* ParsedLine::allocate(std::size_t size) {
  // Move to the next block that has room, keeping the blocks already made (their capacity is
  // reused after clear()); only a text larger than any block gets a block of its own size.
  while (block_ < blocks_.size() && blocks_[block_].size - used_ < size) {
    ++block_;
    used_ = 0;
  }
  if (block_ == blocks_.size()) {
    const std::size_t block_size = std::max(size, kStorageBlockSize);
    blocks_.push_back({std::make_unique<char[]>(block_size), block_size});
    used_ = 0;
  }
  char* at = blocks_[block_].data.get() + used_;
  used_ += size;
  return at;
}

std::string_view ParsedLine::store(std::string_view text) {
  if (text.empty()) return "";  // a valid pointer: callers may memcpy zero bytes from it
  char* at = allocate(text.size());
  std::memcpy(at, text.data(), text.size());
  return {at, text.size()};
}

bool ParsedLine::has_duplicate_keys() const {
  const std::size_t n = fields.size();
  if (n > kPairwiseDedupLimit) return true;  // let the sort find out
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      if (fields[i].key == fields[j].key) return true;
    }
  }
  return false;
}

void ParsedLine::deduplicate_fields() {
  const std::size_t n = fields.size();
  if (n < 2 || !has_duplicate_keys()) return;
  // Sort positions by (key, position): each run of equal keys is then in line order. The first
  // position of a run takes the run's last value; the other positions are dropped.
  order_.resize(n);
  for (std::size_t i = 0; i < n; ++i) order_[i] = static_cast<std::uint32_t>(i);
  std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = fields[a].key.compare(fields[b].key);
    return c != 0 ? c < 0 : a < b;
  });
  dropped_.assign(n, 0);
  for (std::size_t r = 0; r < n;) {
    std::size_t e = r + 1;
    while (e < n && fields[order_[e]].key == fields[order_[r]].key) ++e;
    if (e - r > 1) {
      fields[order_[r]].value = fields[order_[e - 1]].value;
      for (std::size_t k = r + 1; k < e; ++k) dropped_[order_[k]] = 1;
    }
    r = e;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (dropped_[i] == 0) fields[kept++] = fields[i];
  }
  fields.resize(kept);
}

ParserConfig parse_parser_config(config::ConfigReader& tail) {
  ParserConfig config;
  const std::string kind = tail.one_of("parser", "none", {"none", "json", "logfmt", "regex"});
  if (kind == "json") config.kind = ParserKind::kJson;
  if (kind == "logfmt") config.kind = ParserKind::kLogfmt;
  if (kind == "regex") config.kind = ParserKind::kRegex;
  if (config.kind == ParserKind::kRegex) {
    config.regex = tail.required_string("regex");
    if (!config.regex.empty()) {
      const auto regex = Pcre2Regex::compile(config.regex);
      if (!regex) {
        tail.error("regex", "invalid regular expression: " + regex.error());
      } else if (regex->named_groups().empty()) {
        tail.error("regex", "has no named group (?<name>...): it would yield no fields");
      }
    }
  } else if (tail.has("regex")) {
    tail.mark_read("regex");
    tail.error("regex", "only used with parser = \"regex\"");
  }
  config.message_field = tail.string("message_field", "");
  config.timestamp_field = tail.string("timestamp_field", "");
  config.timestamp_format = tail.string("timestamp_format", "rfc3339");
  if (const auto format = TimestampFormat::parse(config.timestamp_format); !format) {
    tail.error("timestamp_format", format.error());
    config.timestamp_format = "rfc3339";
  }
  config.severity_field = tail.string("severity_field", "");
  config.detect_severity = tail.boolean("detect_severity", false);
  config.keep_fields = tail.boolean("keep_fields", false);
  if (config.kind == ParserKind::kNone) {
    for (std::string_view key : {"message_field", "timestamp_field", "severity_field"}) {
      if (tail.has(key)) tail.error(key, "needs a parser (json, logfmt or regex) to find fields");
    }
  }
  return config;
}

std::expected<std::unique_ptr<LineParser>, std::string> make_line_parser(
    const ParserConfig& config) {
  auto format = TimestampFormat::parse(config.timestamp_format);
  if (!format) return std::unexpected("timestamp_format: " + format.error());
  SpecialFields special(config, std::move(*format));
  switch (config.kind) {
    case ParserKind::kNone:
      return make_field_parser([](std::string_view, ParsedLine&) { return true; },
                               std::move(special));
    case ParserKind::kJson:
      return make_field_parser(
          [json = std::make_shared<JsonFieldParser>()](std::string_view line, ParsedLine& out) {
            return json->parse(line, out);
          },
          std::move(special));
    case ParserKind::kLogfmt:
      return make_field_parser(&parse_logfmt, std::move(special));
    case ParserKind::kRegex: {
      auto regex = Pcre2Regex::compile(config.regex);
      if (!regex) return std::unexpected("regex: " + regex.error());
      return make_field_parser(
          [parser = std::make_shared<RegexFieldParser>(std::move(*regex))](
              std::string_view line, ParsedLine& out) { return parser->parse(line, out); },
          std::move(special));
    }
  }
  return std::unexpected("unknown parser");
}

}  // namespace vigil::collectors::tail
