#include "collectors/tail/utf8.h"

#include <cstdint>
#include <cstring>

#include <google/protobuf/stubs/common.h>

namespace vigil::collectors::tail {

namespace {

// Length of the well-formed sequence starting at text[i], or 0 when it is ill-formed; in that
// case `bad` is the length of its maximal subpart (at least 1).
std::size_t sequence_at(std::string_view text, std::size_t i, std::size_t& bad) {
  const auto b = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) {
    length = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    length = 3;
    if (b == 0xE0) low = 0xA0;
    if (b == 0xED) high = 0x9F;  // no surrogates
  } else if (b >= 0xF0 && b <= 0xF4) {
    length = 4;
    if (b == 0xF0) low = 0x90;
    if (b == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    bad = 1;
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) {
      bad = k;
      return 0;
    }
    const auto c = static_cast<unsigned char>(text[i + k]);
    const unsigned char lo = k == 1 ? low : 0x80;
    const unsigned char hi = k == 1 ? high : 0xBF;
    if (c < lo || c > hi) {
      bad = k;
      return 0;
    }
  }
  return length;
}

bool all_ascii(std::string_view text) {
  const char* p = text.data();
  std::size_t n = text.size();
  std::uint64_t bits = 0;
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    bits |= word;
    p += 8;
    n -= 8;
  }
  for (std::size_t i = 0; i < n; ++i) bits |= static_cast<unsigned char>(p[i]);
  return (bits & 0x8080808080808080ULL) == 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  if (all_ascii(text)) return true;
  // libprotobuf's validator (the rule it applies to proto3 strings) takes an int length: longer
  // texts go in pieces cut between well-formed sequences, so no valid sequence is split.
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  while (text.size() > kPiece) {
    const std::size_t cut = utf8_cut_point(text, kPiece);
    if (!google::protobuf::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(cut))) {
      return false;
    }
    text.remove_prefix(cut);
  }
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                             static_cast<int>(text.size()));
}

std::size_t sanitized_utf8_size(std::string_view text) {
  std::size_t size = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t bad = 0;
    const std::size_t length = sequence_at(text, i, bad);
    if (length > 0) {
      size += length;
      i += length;
    } else {
      size += kReplacementCharacter.size();
      i += bad;
    }
  }
  return size;
}

char* write_sanitized_utf8(std::string_view text, char* out) {
  if (text.empty()) return out;
  std::size_t i = 0;
  std::size_t run = 0;  // start of the current run of valid bytes
  while (i < text.size()) {
    std::size_t bad = 0;
    const std::size_t length = sequence_at(text, i, bad);
    if (length > 0) {
      i += length;
      continue;
    }
    std::memcpy(out, text.data() + run, i - run);
    out += i - run;
    std::memcpy(out, kReplacementCharacter.data(), kReplacementCharacter.size());
    out += kReplacementCharacter.size();
    i += bad;
    run = i;
  }
  std::memcpy(out, text.data() + run, text.size() - run);
  return out + (text.size() - run);
}

std::size_t utf8_cut_point(std::string_view text, std::size_t limit) {
  if (limit >= text.size()) return text.size();
  // Back off over at most 3 continuation bytes to the start of the sequence `limit` is in;
  // cut before it only if that sequence is well formed and would be split.
  std::size_t start = limit;
  while (start > 0 && limit - start < 3 &&
         (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  if (start == limit) return limit;
  std::size_t bad = 0;
  const std::size_t length = sequence_at(text, start, bad);
  if (length > 0 && start + length > limit && start > 0) return start;
  return limit;
}

}  // namespace vigil::collectors::tail
