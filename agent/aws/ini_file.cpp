#include "agent/aws/ini_file.h"

#include <algorithm>
#include <cctype>

namespace vigil::aws {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Cuts a comment that starts with '#' or ';' after whitespace.
std::string_view strip_inline_comment(std::string_view value) {
  for (std::size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && is_blank(value[i - 1])) {
      return trim(value.substr(0, i));
    }
  }
  return value;
}

bool is_comment(std::string_view trimmed) {
  return !trimmed.empty() && (trimmed.front() == '#' || trimmed.front() == ';');
}

}  // namespace

core::Result<IniDocument> parse_ini(std::string_view text, std::string_view file_name) {
  IniDocument doc;
  IniSection* section = nullptr;
  std::string* last_value = nullptr;  // the value an indented line continues
  std::uint32_t line_number = 0;
  auto fail = [&](std::string_view what) {
    return core::make_error(std::string(file_name) + ":" + std::to_string(line_number) + ": " +
                            std::string(what));
  };
  // Skip a UTF-8 byte order mark, as Python's utf-8-sig codec does.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty()) {
    ++line_number;
    auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    const std::string_view trimmed = trim(line);
    if (trimmed.empty() || is_comment(trimmed)) continue;
    if (is_blank(line.front()) && last_value != nullptr) {
      if (!last_value->empty()) last_value->push_back('\n');
      last_value->append(strip_inline_comment(trimmed));
      continue;
    }
    if (trimmed.front() == '[') {
      auto close = trimmed.rfind(']');
      if (close == std::string_view::npos) return fail("section header without ']'");
      std::string_view after = trim(trimmed.substr(close + 1));
      if (!after.empty() && !is_comment(after)) return fail("text after a section header");
      std::string_view name = trim(trimmed.substr(1, close - 1));
      if (name.empty()) return fail("empty section name");
      auto [it, inserted] = doc.sections.try_emplace(std::string(name));
      if (inserted) it->second.line = line_number;
      section = &it->second;
      last_value = nullptr;
      continue;
    }
    auto delimiter = trimmed.find_first_of("=:");
    if (delimiter == std::string_view::npos) {
      return fail("expected \"[section]\" or \"key = value\"");
    }
    if (section == nullptr) return fail("a key before the first [section]");
    std::string key(trim(trimmed.substr(0, delimiter)));
    if (key.empty()) return fail("a value without a key");
    std::ranges::transform(key, key.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string_view value = strip_inline_comment(trim(trimmed.substr(delimiter + 1)));
    auto& stored = section->values[key];
    stored = std::string(value);
    last_value = &stored;
  }
  return doc;
}

}  // namespace vigil::aws
