#include "exporters/cloudwatch/name_template.h"

namespace vigil::exporters::cloudwatch {

namespace {

constexpr std::string_view kMissingField = "unknown";

bool group_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '/' || c == '#';
}

std::string field_value(std::string_view key, const KeyValues& resource, const KeyValues& record) {
  const AnyValue* v = nullptr;
  if (key == "host") {
    v = find_attribute(resource, "host.name");
  } else if (key == "file") {
    v = find_attribute(record, "log.file.path");
    if (v == nullptr) v = find_attribute(record, "log.file.name");
  } else {
    v = find_attribute(resource, key);
    if (v == nullptr) v = find_attribute(record, key);
  }
  if (v == nullptr) return std::string(kMissingField);
  std::string text = any_value_text(*v);
  return text.empty() ? std::string(kMissingField) : text;
}

}  // namespace

std::string sanitize_log_name(std::string_view name, NameKind kind) {
  std::string out;
  out.reserve(std::min(name.size(), kMaxLogNameLength));
  for (unsigned char c : name) {
    if (kind == NameKind::kLogGroup) {
      out.push_back(group_char(c) ? static_cast<char>(c) : '_');
    } else {
      out.push_back(c == ':' || c == '*' || c < 0x20 || c == 0x7f ? '_' : static_cast<char>(c));
    }
  }
  if (out.size() > kMaxLogNameLength) {
    std::size_t cut = kMaxLogNameLength;
    // Never split a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  if (out.empty()) out = kMissingField;
  return out;
}

core::Result<NameTemplate> NameTemplate::parse(std::string_view text, NameKind kind) {
  NameTemplate t;
  t.text_ = std::string(text);
  t.kind_ = kind;
  if (text.empty()) return core::make_error("must not be empty");
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('{', i);
    const std::size_t close_stray = text.find('}', i);
    if (close_stray < open) return core::make_error("'}' without '{' in \"" + t.text_ + "\"");
    if (open == std::string_view::npos) {
      t.parts_.push_back({false, std::string(text.substr(i))});
      break;
    }
    if (open > i) t.parts_.push_back({false, std::string(text.substr(i, open - i))});
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      return core::make_error("'{' without '}' in \"" + t.text_ + "\"");
    }
    std::string key(text.substr(open + 1, close - open - 1));
    if (key.empty() || key.find('{') != std::string::npos) {
      return core::make_error("empty or nested field in \"" + t.text_ + "\"");
    }
    if (key != "host") t.uses_record_ = true;  // resource-only keys may also come from records
    t.parts_.push_back({true, std::move(key)});
    i = close + 1;
  }
  for (const auto& part : t.parts_) {
    if (part.field) continue;
    if (sanitize_log_name(part.text, kind) != part.text) {
      return core::make_error(
          "\"" + part.text + "\" holds characters a log " +
          (kind == NameKind::kLogGroup ? "group" : "stream") + " name cannot have" +
          (kind == NameKind::kLogGroup ? " (allowed: A-Z a-z 0-9 . - _ / #)" : " (':' and '*')"));
    }
  }
  return t;
}

std::string NameTemplate::expand(const KeyValues& resource, const KeyValues& record) const {
  std::string out;
  for (const auto& part : parts_) {
    out += part.field ? field_value(part.text, resource, record) : part.text;
  }
  return sanitize_log_name(out, kind_);
}

}  // namespace vigil::exporters::cloudwatch
