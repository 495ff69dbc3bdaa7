#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "agent/core/error.h"

namespace vigil::aws {

// Reads a small file whole and synchronously (credentials and config files, token files: a few
// hundred bytes, read at start and on refresh). nullopt when it does not exist; an error naming
// the path when it cannot be read or is larger than `max_bytes`.
core::Result<std::optional<std::string>> read_small_file(const std::string& path,
                                                         std::size_t max_bytes = 1 << 20);

}  // namespace vigil::aws
