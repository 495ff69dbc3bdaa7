#pragma once

// RAII wrapper of PCRE2 (8-bit) for the tail collector's per-line matching.
//
//   auto regex = Pcre2Regex::compile(R"(^(?<level>\w+) (?<msg>.*)$)");   // JIT when available
//   if (!regex) report(regex.error());                // "missing closing parenthesis at offset 7"
//   Pcre2Matcher matcher(*regex);                     // owns match data; reuse it for every line
//   if (matcher.match(line)) use(matcher.group(1));   // std::nullopt for an unset group
//
// Patterns are compiled in UTF mode with PCRE2_MATCH_INVALID_UTF, so any bytes are a safe
// subject (invalid UTF-8 simply does not match across the bad bytes). Matching allocates nothing:
// the matcher's match data is created once (and a JIT stack, the first time a pattern needs more
// than PCRE2's default 32 KiB). A match that hits the backtracking
// limit counts as "no match" (see Pcre2Matcher::last_error) rather than stalling the loop.
// A Pcre2Regex may be shared (const) by matchers on different threads; a matcher may not.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace vigil::collectors::tail {

class Pcre2Regex {
 public:
  struct NamedGroup {
    std::string name;
    std::uint32_t number = 0;
  };

  // Error text names the problem and its offset in the pattern.
  static std::expected<Pcre2Regex, std::string> compile(std::string_view pattern);

  Pcre2Regex(Pcre2Regex&& other) noexcept;
  Pcre2Regex& operator=(Pcre2Regex&& other) noexcept;
  Pcre2Regex(const Pcre2Regex&) = delete;
  Pcre2Regex& operator=(const Pcre2Regex&) = delete;
  ~Pcre2Regex();

  // Number of capturing groups (group 0, the whole match, not counted).
  std::uint32_t capture_count() const { return capture_count_; }
  // Named groups in group-number order.
  const std::vector<NamedGroup>& named_groups() const { return named_groups_; }
  bool jit() const { return jit_; }
  const pcre2_code* code() const { return code_; }

 private:
  explicit Pcre2Regex(pcre2_code* code);

  pcre2_code* code_ = nullptr;
  std::uint32_t capture_count_ = 0;
  std::vector<NamedGroup> named_groups_;
  bool jit_ = false;
};

// Matches one regex against many subjects with match data created once.
// The regex must outlive the matcher.
class Pcre2Matcher {
 public:
  explicit Pcre2Matcher(const Pcre2Regex& regex);
  Pcre2Matcher(Pcre2Matcher&& other) noexcept;
  Pcre2Matcher& operator=(Pcre2Matcher&& other) noexcept;
  Pcre2Matcher(const Pcre2Matcher&) = delete;
  Pcre2Matcher& operator=(const Pcre2Matcher&) = delete;
  ~Pcre2Matcher();

  // True when the pattern matches somewhere in `subject` (unanchored unless the pattern says
  // so). Groups refer to the last successful match's subject, which must still be alive.
  bool match(std::string_view subject);
  // Group `number` of the last successful match; nullopt when it did not participate.
  std::optional<std::string_view> group(std::uint32_t number) const;
  // The PCRE2 error code of the last match() other than "no match" (0 if none), e.g.
  // PCRE2_ERROR_MATCHLIMIT; such a subject is treated as not matching.
  int last_error() const { return last_error_; }

 private:
  void release();

  const Pcre2Regex* regex_ = nullptr;
  pcre2_match_data* match_data_ = nullptr;
  pcre2_match_context* match_context_ = nullptr;
  pcre2_jit_stack* jit_stack_ = nullptr;
  const char* subject_ = nullptr;
  int last_error_ = 0;
};

}  // namespace vigil::collectors::tail
