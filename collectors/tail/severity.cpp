#include "collectors/tail/severity.h"

#include <algorithm>
#include <array>

namespace vigil::collectors::tail {
namespace {

struct LevelWord {
  std::string_view word;  // upper case
  std::int32_t number;
};

constexpr std::array kLevelWords{
    LevelWord{"TRACE", 1},   LevelWord{"DEBUG", 5},  LevelWord{"INFO", 9},
    LevelWord{"NOTICE", 10}, LevelWord{"WARN", 13},  LevelWord{"WARNING", 13},
    LevelWord{"ERROR", 17},  LevelWord{"ERR", 17},   LevelWord{"CRITICAL", 18},
    LevelWord{"CRIT", 18},   LevelWord{"ALERT", 19}, LevelWord{"FATAL", 21},
    LevelWord{"PANIC", 21},  LevelWord{"EMERG", 22}, LevelWord{"EMERGENCY", 22},
};
constexpr std::size_t kShortestWord = 3;
constexpr std::size_t kLongestWord = 9;

constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

constexpr bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

constexpr bool is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

std::int32_t severity_from_word(std::string_view word) {
  if (word.size() < kShortestWord || word.size() > kLongestWord) return 0;
  std::array<char, kLongestWord> folded{};
  for (std::size_t i = 0; i < word.size(); ++i) folded[i] = upper(word[i]);
  const std::string_view key(folded.data(), word.size());
  for (const LevelWord& level : kLevelWords) {
    if (level.word == key) return level.number;
  }
  return 0;
}

std::int32_t severity_from_number(std::int64_t level) {
  switch (level) {
    case 10:
      return 1;
    case 20:
      return 5;
    case 30:
      return 9;
    case 40:
      return 13;
    case 50:
      return 17;
    case 60:
      return 21;
    default:
      return 0;
  }
}

std::optional<Severity> find_severity_word(std::string_view text, std::size_t scan_limit) {
  const std::size_t end = std::min(text.size(), scan_limit);
  std::size_t i = 0;
  while (i < end) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_word_byte(c)) {
      ++i;
      continue;
    }
    // A word starts here: find where it ends (it may run past the scan limit; the word is still
    // judged whole, so "INFORMATION" cut at the limit is not read as "INFO").
    std::size_t j = i;
    bool letters_only = true;
    while (j < text.size() && is_word_byte(static_cast<unsigned char>(text[j]))) {
      letters_only = letters_only && is_letter(static_cast<unsigned char>(text[j]));
      ++j;
    }
    if (letters_only) {
      const std::string_view word = text.substr(i, j - i);
      if (const std::int32_t number = severity_from_word(word); number != 0) {
        return Severity{number, word};
      }
    }
    i = j;
  }
  return std::nullopt;
}

}  // namespace vigil::collectors::tail
