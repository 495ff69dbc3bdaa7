#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config/config_reader.h"

namespace vigil::config {

// Looks up one environment variable; nullopt when it is not set. Injected so the library never
// reads the process environment itself (tests, and `vigil check` of another host's config).
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

struct SubstitutedText {
  std::string text;
  std::vector<SubstitutedSpan> spans;  // one per ${...}, in the output text
};

// Replaces ${VAR} and ${VAR:-default} in a TOML document before it is parsed.
//  - VAR is [A-Za-z_][A-Za-z0-9_]*. As in the shell, the default applies when VAR is unset or
//    empty; it is taken literally (no escapes) up to the first "}", and may be empty.
//  - "$${" is a literal "${". A "$" not followed by "{" is left alone.
//  - Comments (a "#" outside any string, to the end of the line) are copied unchanged, so a
//    commented-out line cannot fail; the four TOML string kinds are tracked for that.
//  - Inside a basic string ("..." or """...""") the value is escaped, so it arrives exactly as
//    set whatever it contains. A literal string ('...' or '''...''') cannot escape: a value
//    with a quote or control character there is an error. Outside strings the value is
//    inserted as TOML text (numbers, booleans).
//  - A value is never inserted as a raw line break, so line numbers in later messages are the
//    file's own.
// Errors ("file:line:col: message", the position of the "$") go to `diagnostics`; the result
// is then incomplete and must not be parsed. A null `env` means no variable is set.
SubstitutedText substitute_env(std::string_view text, std::string_view file_name,
                               const EnvLookup& env, Diagnostics& diagnostics);

}  // namespace vigil::config
