#include "collectors/host/name_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace vigil::collectors::host {

struct NameFilter::Compiled {
  pcre2_code* code = nullptr;
  pcre2_match_data* match_data = nullptr;
  ~Compiled() {
    if (match_data != nullptr) pcre2_match_data_free(match_data);
    if (code != nullptr) pcre2_code_free(code);
  }
};

NameFilter::NameFilter() = default;
NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;
NameFilter::~NameFilter() = default;

std::expected<NameFilter, std::string> NameFilter::compile(std::string_view pattern) {
  NameFilter filter;
  if (pattern.empty()) return filter;
  auto compiled = std::make_unique<Compiled>();
  int error = 0;
  PCRE2_SIZE offset = 0;
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (compiled->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return std::unexpected(std::string(reinterpret_cast<const char*>(message)) + " at offset " +
                           std::to_string(offset));
  }
  compiled->match_data = pcre2_match_data_create_from_pattern(compiled->code, nullptr);
  if (compiled->match_data == nullptr) return std::unexpected(std::string("out of memory"));
  filter.compiled_ = std::move(compiled);
  return filter;
}

bool NameFilter::matches(std::string_view name) const {
  if (!compiled_) return false;
  const int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(name.data()),
                             name.size(), 0, 0, compiled_->match_data, nullptr);
  return rc >= 0;
}

}  // namespace vigil::collectors::host
