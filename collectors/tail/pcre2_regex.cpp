#include "collectors/tail/pcre2_regex.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vigil::collectors::tail {
namespace {

// Bounds on one match, so a pathological pattern/line pair costs milliseconds, not the loop.
constexpr std::uint32_t kMatchLimit = 1'000'000;
constexpr std::uint32_t kDepthLimit = 100'000;
constexpr std::size_t kJitStackStart = 64 * 1024;
constexpr std::size_t kJitStackMax = 1024 * 1024;

std::string error_text(int code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  const int n = pcre2_get_error_message(code, buffer.data(), buffer.size());
  if (n < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(n));
}

}  // namespace

std::expected<Pcre2Regex, std::string> Pcre2Regex::compile(std::string_view pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    return std::unexpected(error_text(error_code) + " at offset " + std::to_string(error_offset));
  }
  return Pcre2Regex(code);
}

Pcre2Regex::Pcre2Regex(pcre2_code* code) : code_(code) {
  // JIT is an optimisation: without it (unsupported CPU, no executable memory) matching still
  // works through the interpreter.
  jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
  pcre2_pattern_info(code_, PCRE2_INFO_CAPTURECOUNT, &capture_count_);
  std::uint32_t name_count = 0;
  std::uint32_t entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(code_, PCRE2_INFO_NAMECOUNT, &name_count);
  pcre2_pattern_info(code_, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(code_, PCRE2_INFO_NAMETABLE, &table);
  for (std::uint32_t i = 0; i < name_count; ++i) {
    // Each entry: the group number in two bytes, then the zero-terminated name.
    const PCRE2_SPTR entry = table + static_cast<std::size_t>(i) * entry_size;
    const auto number = static_cast<std::uint32_t>((entry[0] << 8) | entry[1]);
    named_groups_.push_back({std::string(reinterpret_cast<const char*>(entry + 2)), number});
  }
  std::ranges::sort(named_groups_, {}, &NamedGroup::number);
}

Pcre2Regex::Pcre2Regex(Pcre2Regex&& other) noexcept
    : code_(std::exchange(other.code_, nullptr)),
      capture_count_(other.capture_count_),
      named_groups_(std::move(other.named_groups_)),
      jit_(other.jit_) {}

Pcre2Regex& Pcre2Regex::operator=(Pcre2Regex&& other) noexcept {
  if (this != &other) {
    pcre2_code_free(code_);
    code_ = std::exchange(other.code_, nullptr);
    capture_count_ = other.capture_count_;
    named_groups_ = std::move(other.named_groups_);
    jit_ = other.jit_;
  }
  return *this;
}

Pcre2Regex::~Pcre2Regex() { pcre2_code_free(code_); }

Pcre2Matcher::Pcre2Matcher(const Pcre2Regex& regex)
    : regex_(&regex),
      match_data_(pcre2_match_data_create_from_pattern(regex.code(), nullptr)),
      match_context_(pcre2_match_context_create(nullptr)) {
  if (match_context_ != nullptr) {
    pcre2_set_match_limit(match_context_, kMatchLimit);
    pcre2_set_depth_limit(match_context_, kDepthLimit);
  }
}

Pcre2Matcher::Pcre2Matcher(Pcre2Matcher&& other) noexcept
    : regex_(other.regex_),
      match_data_(std::exchange(other.match_data_, nullptr)),
      match_context_(std::exchange(other.match_context_, nullptr)),
      jit_stack_(std::exchange(other.jit_stack_, nullptr)),
      subject_(other.subject_),
      last_error_(other.last_error_) {}

Pcre2Matcher& Pcre2Matcher::operator=(Pcre2Matcher&& other) noexcept {
  if (this != &other) {
    release();
    regex_ = other.regex_;
    match_data_ = std::exchange(other.match_data_, nullptr);
    match_context_ = std::exchange(other.match_context_, nullptr);
    jit_stack_ = std::exchange(other.jit_stack_, nullptr);
    subject_ = other.subject_;
    last_error_ = other.last_error_;
  }
  return *this;
}

Pcre2Matcher::~Pcre2Matcher() { release(); }

void Pcre2Matcher::release() {
  pcre2_match_data_free(match_data_);
  pcre2_match_context_free(match_context_);
  pcre2_jit_stack_free(jit_stack_);
  match_data_ = nullptr;
  match_context_ = nullptr;
  jit_stack_ = nullptr;
}

bool Pcre2Matcher::match(std::string_view subject) {
  subject_ = nullptr;
  if (match_data_ == nullptr) {  // allocation failed at construction
    last_error_ = PCRE2_ERROR_NOMEMORY;
    return false;
  }
  // An empty view may have a null data(); PCRE2 wants a valid pointer even for length 0.
  const char* data = subject.empty() ? "" : subject.data();
  int rc = pcre2_match(regex_->code(), reinterpret_cast<PCRE2_SPTR>(data), subject.size(), 0, 0,
                       match_data_, match_context_);
  // JIT code runs on 32 KiB of the machine stack, enough for the patterns logs need; a pattern
  // that needs more gets a JIT stack of its own (up to 1 MiB), once, and the match is retried.
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT && jit_stack_ == nullptr && match_context_ != nullptr) {
    jit_stack_ = pcre2_jit_stack_create(kJitStackStart, kJitStackMax, nullptr);
    if (jit_stack_ != nullptr) {
      pcre2_jit_stack_assign(match_context_, nullptr, jit_stack_);
      rc = pcre2_match(regex_->code(), reinterpret_cast<PCRE2_SPTR>(data), subject.size(), 0, 0,
                       match_data_, match_context_);
    }
  }
  if (rc < 0) {
    last_error_ = rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
    return false;
  }
  last_error_ = 0;
  subject_ = data;
  return true;
}

std::optional<std::string_view> Pcre2Matcher::group(std::uint32_t number) const {
  if (subject_ == nullptr || number > regex_->capture_count()) return std::nullopt;
  if (number >= pcre2_get_ovector_count(match_data_)) return std::nullopt;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data_);
  const PCRE2_SIZE start = ovector[2 * number];
  const PCRE2_SIZE end = ovector[2 * number + 1];
  if (start == PCRE2_UNSET || end < start) return std::nullopt;  // \K can put end before start
  return std::string_view(subject_ + start, end - start);
}

}  // namespace vigil::collectors::tail
