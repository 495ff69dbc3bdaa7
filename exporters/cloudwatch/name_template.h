#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/core/error.h"
#include "exporters/cloudwatch/otlp_values.h"

namespace vigil::exporters::cloudwatch {

// What a name is for: CloudWatch Logs allows different characters in each.
enum class NameKind : std::uint8_t { kLogGroup, kLogStream };

// A log group or stream name with fields: "/vigil/{service.name}", "{host}/{file}".
//   {host}    the resource's host.name
//   {file}    the record's log.file.path (else log.file.name), as the tail collector sets it
//   {KEY}     the resource attribute KEY, else the record attribute KEY
// A field that is absent expands to "unknown". The expansion is made valid for its kind:
// groups keep [A-Za-z0-9._/#-] (others become '_'), streams lose ':' and '*' (become '_'),
// both are cut to 512 bytes (at a UTF-8 boundary).
class NameTemplate {
 public:
  static core::Result<NameTemplate> parse(std::string_view text, NameKind kind);

  std::string expand(const KeyValues& resource, const KeyValues& record) const;
  // Whether the expansion depends on the record (not only on its resource).
  bool uses_record() const { return uses_record_; }
  const std::string& text() const { return text_; }

 private:
  struct Part {
    bool field = false;
    std::string text;  // literal text, or the field's key
  };
  std::string text_;
  NameKind kind_ = NameKind::kLogGroup;
  std::vector<Part> parts_;
  bool uses_record_ = false;
};

inline constexpr std::size_t kMaxLogNameLength = 512;

// Makes `name` valid as a group or stream name (see NameTemplate).
std::string sanitize_log_name(std::string_view name, NameKind kind);

}  // namespace vigil::exporters::cloudwatch
