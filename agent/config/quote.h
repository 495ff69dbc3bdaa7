#pragma once

#include <string>
#include <string_view>

namespace vigil::config {

// `text` in double quotes with TOML basic-string escapes, for messages: "abc", "a\"b", "\n".
std::string quote(std::string_view text);

// A key as written in a key path: bare when it can be ("max_memory"), else quoted
// ("\"service.name\"").
std::string key_text(std::string_view key);

}  // namespace vigil::config
