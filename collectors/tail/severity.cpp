#include "collectors/tail/severity.h"

#include <algorithm>
#include <array>

namespace vigil::collectors::tail {
namespace {

constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// Up to 8 bytes, upper-cased, big-endian in an integer (distinct lengths give distinct keys:
// no letter is 0).
constexpr std::uint64_t pack(std::string_view word) {
  std::uint64_t key = 0;
  for (const char c : word) key = (key << 8) | static_cast<unsigned char>(upper(c));
  return key;
}

struct PackedLevel {
  std::uint64_t key;
  std::int32_t number;
};

// EMERGENCY (9 letters) is handled apart.
constexpr std::array kPackedLevels{
    PackedLevel{pack("TRACE"), 1},     PackedLevel{pack("DEBUG"), 5},
    PackedLevel{pack("INFO"), 9},      PackedLevel{pack("NOTICE"), 10},
    PackedLevel{pack("WARN"), 13},     PackedLevel{pack("WARNING"), 13},
    PackedLevel{pack("ERROR"), 17},    PackedLevel{pack("ERR"), 17},
    PackedLevel{pack("CRITICAL"), 18}, PackedLevel{pack("CRIT"), 18},
    PackedLevel{pack("ALERT"), 19},    PackedLevel{pack("FATAL"), 21},
    PackedLevel{pack("PANIC"), 21},    PackedLevel{pack("EMERG"), 22},
};
constexpr std::size_t kShortestWord = 3;
constexpr std::size_t kLongestWord = 9;

enum ByteClass : std::uint8_t {
  kOther = 0,
  kDigitOrUnderscore = 1,
  kLetter = 2,
  kLevelInitial = 3
};

// Word bytes are letters, digits and '_'; kLevelInitial marks the letters a level word starts
// with, so most words are passed over after their first byte.
constexpr std::array<std::uint8_t, 256> kByteClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = kDigitOrUnderscore;
  table['_'] = kDigitOrUnderscore;
  for (int c = 'a'; c <= 'z'; ++c) {
    table[c] = kLetter;
    table[c - 32] = kLetter;
  }
  for (char c : std::string_view("TDINWECAFP")) {
    table[static_cast<unsigned char>(c)] = kLevelInitial;
    table[static_cast<unsigned char>(c + 32)] = kLevelInitial;
  }
  return table;
}();

std::uint8_t byte_class(char c) { return kByteClass[static_cast<unsigned char>(c)]; }

constexpr bool is_letter(unsigned char c) { return kByteClass[c] >= kLetter; }

}  // namespace

std::int32_t severity_from_word(std::string_view word) {
  if (word.size() < kShortestWord || word.size() > kLongestWord) return 0;
  for (const char c : word) {
    if (!is_letter(static_cast<unsigned char>(c))) return 0;
  }
  // Compare upper-cased words packed into integers: this runs for every word of a line when
  // detect_severity scans it.
  if (word.size() == 9) {
    return severity_from_word(word.substr(0, 5)) == 22 && upper(word[5]) == 'E' &&
                   upper(word[6]) == 'N' && upper(word[7]) == 'C' && upper(word[8]) == 'Y'
               ? 22
               : 0;
  }
  const std::uint64_t key = pack(word);
  for (const PackedLevel& level : kPackedLevels) {
    if (level.key == key) return level.number;
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
    const std::uint8_t first = byte_class(text[i]);
    if (first == kOther) {
      ++i;
      continue;
    }
    // A word starts here: find where it ends (it may run past the scan limit; the word is still
    // judged whole, so "INFORMATION" cut at the limit is not read as "INFO").
    std::size_t j = i + 1;
    bool letters_only = first >= kLetter;
    for (std::uint8_t c; j < text.size() && (c = byte_class(text[j])) != kOther; ++j) {
      letters_only = letters_only && c >= kLetter;
    }
    const std::size_t length = j - i;
    if (first == kLevelInitial && letters_only && length >= kShortestWord &&
        length <= kLongestWord) {
      const std::string_view word = text.substr(i, length);
      if (const std::int32_t number = severity_from_word(word); number != 0) {
        return Severity{number, word};
      }
    }
    i = j;
  }
  return std::nullopt;
}

}  // namespace vigil::collectors::tail
